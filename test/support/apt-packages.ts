import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../common/paths';

/**
 * Once per test run, in the global setup: installs Debian packages a test needs through
 * scripts/apt-install.sh (under its lock, beside the other installs), or records in the
 * environment variable `missingVariable` why they cannot be had here, for that test to skip with.
 */
export function provideAptPackages(
  packages: string[],
  missingVariable: string,
  log: (line: string) => void,
): Promise<void> {
  delete process.env[missingVariable];
  return new Promise((resolve) =>
    execFile(
      join(projectRoot(), 'scripts', 'apt-install.sh'),
      packages,
      { encoding: 'utf8', timeout: 1_800_000 },
      (error, _stdout, stderr) => {
        if (error) {
          const why = stderr
            .trim()
            .split('\n')
            .pop()
            ?.replace(/^apt-install: /, '');
          process.env[missingVariable] =
            `scripts/apt-install.sh could not install ${packages.join(' ')}: ${why || error.message}`;
        } else {
          log(`${packages.join(' ')} installed`);
        }
        resolve();
      },
    ),
  );
}
