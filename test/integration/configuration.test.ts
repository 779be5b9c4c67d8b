import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distDir } from '../../common/paths';
import { TestProcess } from '../support/processes';

/** A bad value stops start-up with a message naming the section, the option and the expected form. */
describe('configuration is validated at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'novaflow-config-'));

  it.each(['api', 'conductor', 'worker-compute'])('%s refuses to start on a bad value', async (app) => {
    const configFile = join(dir, `${app}.conf`);
    writeFileSync(configFile, '[filter_scheduler]\nhost_subset_size = zero\n');
    const logFile = join(dir, `${app}.log`);
    const child = TestProcess.start(
      app,
      join(distDir(), 'apps', app, 'main.js'),
      [],
      {
        PATH: process.env.PATH,
        NOVAFLOW_CONFIG: configFile,
        DATABASE_URL: 'postgres://unused@127.0.0.1:1/none',
      },
      logFile,
    );
    expect(await child.exitCode()).toBe(1);
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    const fatal = JSON.parse(lines[lines.length - 1]);
    expect(fatal.level).toBe(60);
    expect(fatal.msg).toBe(
      `${configFile}: [filter_scheduler] host_subset_size = "zero" is invalid: expected an integer >= 1`,
    );
  });
});
