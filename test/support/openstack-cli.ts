import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../common/paths';
import { writeCloudsYaml } from '../../scripts/clouds-yaml';
import { TEST_PASSWORDS } from './passwords';

export interface CliLookup {
  cli?: string;
  reason?: string;
}

/** How the test setup hands the outcome to the test workers (jest workers inherit its environment). */
const CLI_PATH = 'NOVAFLOW_TEST_OPENSTACK_CLI';
const CLI_MISSING = 'NOVAFLOW_TEST_OPENSTACK_CLI_MISSING';

function onPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v openstack'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Once per test run, in the global setup: finds the openstack CLI or installs Debian's
 * python3-openstackclient through scripts/apt-install.sh (which serialises every apt-get of the
 * project), then records the CLI's path, or the reason it is missing, in the environment.
 */
export async function provideOpenstackCli(log: (line: string) => void): Promise<CliLookup> {
  let found: CliLookup = { cli: onPath() };
  if (!found.cli) {
    log('no openstack CLI on PATH: running scripts/apt-install.sh python3-openstackclient for the e2e tests');
    found = await new Promise<CliLookup>((resolve) =>
      execFile(
        join(projectRoot(), 'scripts', 'apt-install.sh'),
        ['python3-openstackclient'],
        { encoding: 'utf8', timeout: 1_800_000 },
        (error, _stdout, stderr) => {
          const cli = onPath();
          if (cli) return resolve({ cli });
          const why = stderr
            .trim()
            .split('\n')
            .pop()
            ?.replace(/^apt-install: /, '');
          resolve({
            reason: error
              ? `no openstack CLI on PATH, and scripts/apt-install.sh could not install it: ${why || error.message}`
              : 'python3-openstackclient is installed but no openstack CLI is on PATH',
          });
        },
      ),
    );
  }
  delete process.env[CLI_PATH];
  delete process.env[CLI_MISSING];
  if (found.cli) process.env[CLI_PATH] = found.cli;
  else process.env[CLI_MISSING] = found.reason;
  return found;
}

/** In a test file: the CLI the global setup found or installed, or the reason there is none. */
export function ensureOpenstackCli(): CliLookup {
  const cli = process.env[CLI_PATH];
  if (cli) return { cli };
  return {
    reason:
      process.env[CLI_MISSING] ??
      'the test setup did not look for the openstack CLI (test/support/global-setup.ts runs it)',
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `openstack` CLI against a test stack, with a clouds.yaml of the stack's own. */
export class OpenstackCli {
  readonly cloudsYaml: string;

  constructor(
    private readonly cli: string,
    apiUrl: string,
    workDir: string,
  ) {
    this.cloudsYaml = join(workDir, 'clouds.yaml');
    writeCloudsYaml(
      this.cloudsYaml,
      `${apiUrl}/identity/v3`,
      { username: 'admin', password: TEST_PASSWORDS.admin, projectName: 'admin' },
      { username: 'demo', password: TEST_PASSWORDS.demo, projectName: 'demo' },
    );
  }

  /** Runs a command with stdin closed (the CLI reads image data from a stdin that is not a terminal). */
  run(cloud: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = execFile(
        this.cli,
        ['--os-cloud', cloud, ...args],
        {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            OS_CLIENT_CONFIG_FILE: this.cloudsYaml,
            ...env,
          },
          timeout: 120_000,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end();
    });
  }

  /** Runs a command with `-f json` and parses its output; fails the test with stderr otherwise. */
  async json<T = any>(cloud: string, args: string[]): Promise<T> {
    const result = await this.run(cloud, [...args, '-f', 'json']);
    if (result.code !== 0)
      throw new Error(`openstack ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /** Runs a command that prints nothing on success; fails the test with stderr otherwise. */
  async ok(cloud: string, args: string[]): Promise<string> {
    const result = await this.run(cloud, args);
    if (result.code !== 0)
      throw new Error(`openstack ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  }
}
