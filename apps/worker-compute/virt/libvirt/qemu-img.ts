import { execFile } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { VirtDriverError } from '../driver';

const GIB = 1024 ** 3;

function qemuImg(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('qemu-img', args, { timeout: 600_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new VirtDriverError('qemu-img is not installed (qemu-utils)', false));
      }
      reject(new VirtDriverError(`qemu-img ${args[0]}: ${stderr.trim() || error.message}`));
    });
  });
}

/** What qemu-img says of a disk image: its format and the size the guest sees. */
export async function imageInfo(path: string): Promise<{ format: string; virtualSize: number }> {
  const info = JSON.parse(await qemuImg(['info', '-U', '--output=json', path])) as {
    format: string;
    'virtual-size': number;
  };
  return { format: info.format, virtualSize: info['virtual-size'] };
}

/**
 * Writes a disk to `path` through a temporary name, so that a crash never leaves a disk that
 * looks whole: a retry finds either no disk or the finished one.
 */
async function createAtomically(path: string, create: (partial: string) => Promise<unknown>): Promise<void> {
  const partial = `${path}.part`;
  await rm(partial, { force: true });
  await create(partial);
  await rename(partial, path);
}

/**
 * A qcow2 overlay on the cached base image (Nova's Qcow2 image backend): the guest writes only
 * its own blocks. It is `sizeGb` large, or the image's own size when that is larger or sizeGb is 0.
 */
export async function createOverlay(base: string, path: string, sizeGb: number): Promise<void> {
  const { format, virtualSize } = await imageInfo(base);
  const size = Math.max(sizeGb * GIB, virtualSize);
  await createAtomically(path, (partial) =>
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', base, '-F', format, partial, String(size)]),
  );
}

/** An empty qcow2 disk of `sizeMb` (an ephemeral or swap disk). */
export async function createBlank(path: string, sizeMb: number): Promise<void> {
  await createAtomically(path, (partial) => qemuImg(['create', '-q', '-f', 'qcow2', partial, `${sizeMb}M`]));
}

/** Grows the disk to `sizeGb` (a resize to a larger flavor); never shrinks it. */
export async function growTo(path: string, sizeGb: number): Promise<void> {
  const { virtualSize } = await imageInfo(path);
  if (sizeGb * GIB > virtualSize) await qemuImg(['resize', '-q', path, `${sizeGb}G`]);
}

/**
 * Points an overlay copied from another host at this host's copy of its base image. The data is
 * the same (the cache checked the image's hash), so the unsafe rebase that only rewrites the
 * header is right.
 */
export async function rebaseOnto(path: string, base: string): Promise<void> {
  const { format } = await imageInfo(base);
  await qemuImg(['rebase', '-q', '-u', '-b', base, '-F', format, path]);
}
