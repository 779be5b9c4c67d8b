import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../common/paths';
import { isExecutable } from './temporal-cli';

/** The Temporal server release Novaflow runs as a cluster (the newest this machine's Go builds). */
export const TEMPORAL_SERVER_VERSION = '1.32.0';
/** The Go release that server's go.mod asks for; fetched from the module proxy when `go` is absent. */
const GO_VERSION = '1.26.8';

export interface TemporalServerBinaries {
  /** `temporal-server`, built from go.temporal.io/server/cmd/server. */
  server: string;
  /** `temporal-sql-tool`, built from go.temporal.io/server/cmd/tools/sql. */
  sqlTool: string;
}

const binariesIn = (dir: string): TemporalServerBinaries => ({
  server: join(dir, 'bin', 'server'),
  sqlTool: join(dir, 'bin', 'sql'),
});

const run = (command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, logFile: string) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      writeFileSync(logFile, output);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}; see ${logFile}`));
    });
  });

/**
 * A `go` to build with: the one on PATH, else Go's own toolchain module, downloaded from the Go
 * module proxy (the same zip `GOTOOLCHAIN` fetches) into .tools/ and unpacked with Python.
 */
export async function goBinary(log: (line: string) => void): Promise<string> {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0) return 'go';
  const goarch = arch() === 'x64' ? 'amd64' : arch();
  const name = `v0.0.1-go${GO_VERSION}.linux-${goarch}`;
  const root = join(projectRoot(), '.tools', `go-${GO_VERSION}`);
  const go = join(root, `golang.org/toolchain@${name}`, 'bin', 'go');
  if (isExecutable(go)) return go;
  const proxy = (process.env.GOPROXY ?? 'https://proxy.golang.org').split(',')[0];
  const url = `${proxy}/golang.org/toolchain/@v/${name}.zip`;
  log(`no go on PATH: fetching Go ${GO_VERSION} from ${url}`);
  const answer = await fetch(url);
  if (!answer.ok) throw new Error(`could not fetch Go ${GO_VERSION}: ${url} answered ${answer.status}`);
  mkdirSync(root, { recursive: true });
  const zip = join(root, `${name}.zip`);
  writeFileSync(zip, Buffer.from(await answer.arrayBuffer()));
  // zipfile keeps no file modes: the toolchain's programs are made executable after.
  const unpack = spawnSync('python3', [
    '-c',
    'import os, sys, zipfile\n' +
      'zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])\n' +
      'for d, _, fs in os.walk(sys.argv[2]):\n' +
      '    [os.chmod(os.path.join(d, f), 0o755) for f in fs if "/bin" in d or "/pkg/tool/" in d]',
    zip,
    root,
  ]);
  if (unpack.status !== 0) throw new Error(`could not unpack ${zip}: ${unpack.stderr.toString()}`);
  rmSync(zip);
  return go;
}

/**
 * The Temporal server and its SQL tool, built once with `go install` into
 * .tools/temporal-server-<version>/bin (about ten minutes on two cores); later calls find them there.
 * The build goes to a folder of its own and is renamed into place, so a build cut short leaves nothing.
 */
export async function resolveTemporalServer(log: (line: string) => void): Promise<TemporalServerBinaries> {
  const dir = join(projectRoot(), '.tools', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const binaries = binariesIn(dir);
  if (isExecutable(binaries.server) && isExecutable(binaries.sqlTool)) return binaries;

  const go = await goBinary(log);
  mkdirSync(join(projectRoot(), '.tools'), { recursive: true });
  const building = mkdtempSync(join(projectRoot(), '.tools', `temporal-server-${TEMPORAL_SERVER_VERSION}.`));
  const logFile = join(building, 'go-install.log');
  log(
    `building the Temporal server ${TEMPORAL_SERVER_VERSION} with go install (about 10 minutes; log in ${logFile})`,
  );
  const version = `@v${TEMPORAL_SERVER_VERSION}`;
  await run(
    go,
    [
      'install',
      `go.temporal.io/server/cmd/server${version}`,
      `go.temporal.io/server/cmd/tools/sql${version}`,
    ],
    { ...process.env, GOBIN: join(building, 'bin'), GOFLAGS: '-buildvcs=false', GOTOOLCHAIN: 'local' },
    tmpdir(),
    logFile,
  );
  if (isExecutable(binaries.server) && isExecutable(binaries.sqlTool)) {
    // Another process finished first: its build stands.
    rmSync(building, { recursive: true, force: true });
  } else {
    rmSync(dir, { recursive: true, force: true });
    renameSync(building, dir);
  }
  return binaries;
}

// `node dist/scripts/temporal-cluster-install.js`: builds the server ahead of time (.ci/run does).
if (require.main === module) {
  resolveTemporalServer(console.log).then(
    ({ server }) => console.log(`Temporal server ${TEMPORAL_SERVER_VERSION}: ${server}`),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
