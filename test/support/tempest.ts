import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../common/paths';

/**
 * Once per test run, in the global setup: installs Debian's tempest through scripts/apt-install.sh
 * (under its lock, beside the other installs), or records in NOVAFLOW_TEST_TEMPEST_MISSING why it
 * cannot be had here, for test/e2e/tempest.test.ts to skip with.
 */
export function provideTempest(log: (line: string) => void): Promise<void> {
  delete process.env.NOVAFLOW_TEST_TEMPEST_MISSING;
  return new Promise((resolve) =>
    execFile(
      join(projectRoot(), 'scripts', 'apt-install.sh'),
      ['tempest'],
      { encoding: 'utf8', timeout: 1_800_000 },
      (error, _stdout, stderr) => {
        if (error) {
          const why = stderr
            .trim()
            .split('\n')
            .pop()
            ?.replace(/^apt-install: /, '');
          process.env.NOVAFLOW_TEST_TEMPEST_MISSING = `scripts/apt-install.sh could not install tempest: ${why || error.message}`;
        } else {
          log('tempest is installed');
        }
        resolve();
      },
    ),
  );
}
