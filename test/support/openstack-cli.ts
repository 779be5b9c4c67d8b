import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeCloudsYaml } from '../../scripts/clouds-yaml';
import { TEST_PASSWORDS } from './passwords';

/**
 * Installs Debian's python3-openstackclient when the machine lacks it (CI runs as root);
 * returns the path of the CLI, or undefined with the reason when it cannot be had.
 */
export function ensureOpenstackCli(): { cli?: string; reason?: string } {
  const onPath = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v openstack'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const found = onPath();
  if (found) return { cli: found };
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    return { reason: 'the openstack CLI is not installed and this is not a Debian machine run as root' };
  }
  execFileSync(
    'sh',
    [
      '-c',
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-openstackclient',
    ],
    {
      stdio: 'ignore',
      timeout: 600_000,
    },
  );
  const installed = onPath();
  return installed ? { cli: installed } : { reason: 'apt-get could not install python3-openstackclient' };
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
