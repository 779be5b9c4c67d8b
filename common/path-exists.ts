import { stat } from 'node:fs/promises';

/** Whether anything (a file, a directory) is at `path`. */
export const pathExists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );
