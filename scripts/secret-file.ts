import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/**
 * Writes a file that holds credentials: a new file created mode 0600 (the mode given to open, so
 * it is never readable by others, not even for a moment), then renamed over `path`. The result is
 * 0600 whatever mode an earlier file had, and a crash leaves the old file or the new one, whole.
 */
export function writeSecretFile(path: string, text: string): void {
  const partial = `${path}.${process.pid}.partial`;
  rmSync(partial, { force: true });
  const fd = openSync(partial, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}
