import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder holding Novaflow's package.json, from source (ts-jest) or from dist/ alike. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** Compiled JavaScript of the project, where child processes are started from. */
export function distDir(): string {
  return join(projectRoot(), 'dist');
}
