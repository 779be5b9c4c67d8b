import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../common/paths';
import { isExecutable } from './temporal-cli';

/** The schemathesis release the OpenAPI fuzz test runs (PyPI; 4.x CLI: st run). */
export const SCHEMATHESIS_VERSION = '4.32.5';

/** Where the project keeps its own schemathesis: a Python virtual environment under .tools/. */
const venv = () => join(projectRoot(), '.tools', `schemathesis-${SCHEMATHESIS_VERSION}`);

/**
 * The `st` command of schemathesis SCHEMATHESIS_VERSION, installed from PyPI into a virtual
 * environment under .tools/ when missing (the version is in its path, so a new pin installs anew).
 */
export function resolveSchemathesis(log: (line: string) => void = console.log): string {
  const st = join(venv(), 'bin', 'st');
  if (isExecutable(st)) return st;
  for (const python of ['python3', 'python']) {
    const steps = [
      // --clear: a venv a killed install left half made is made again.
      [python, '-m', 'venv', '--clear', venv()],
      [join(venv(), 'bin', 'python'), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check'],
    ];
    steps[1].push(`schemathesis==${SCHEMATHESIS_VERSION}`);
    log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv()}`);
    const ok = steps.every(
      ([command, ...args]) =>
        spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] }).status === 0,
    );
    if (ok && isExecutable(st)) return st;
  }
  throw new Error(
    `schemathesis ${SCHEMATHESIS_VERSION} could not be installed: Python 3 with venv and pip, and PyPI, are needed`,
  );
}

if (require.main === module) console.log(resolveSchemathesis());
