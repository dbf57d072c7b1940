import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FileSystemError } from '../errors/errors.js';

/**
 * Creates a directory and its missing parents (as `mkdir -p`), returning the outermost directory
 * it created (undefined when all existed). Failures name the path and the real reason: Node's
 * recursive mkdir reports a read-only file system as ENOENT, so the first missing directory is
 * created on its own to learn why; a file in the way is said as such.
 *
 * @param operation for the message, e.g. `create the run directory`.
 * @throws {@link FileSystemError} naming `directory`.
 */
export async function createDirectory(
  directory: string,
  operation = 'create the directory',
): Promise<string | undefined> {
  try {
    return await mkdir(directory, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new FileSystemError(
        directory,
        operation,
        'a file is in the way (a part of the path is a file, not a directory)',
        { cause: error },
      );
    if (code === 'ENOENT') {
      // The first missing directory below the deepest one that exists.
      let missing = resolve(directory);
      while (
        !(await stat(dirname(missing)).then(
          () => true,
          () => false,
        ))
      ) {
        if (dirname(missing) === missing) break;
        missing = dirname(missing);
      }
      const reason = await mkdir(missing).then(
        () => undefined,
        (cause: unknown) => cause,
      );
      if (reason !== undefined) throw FileSystemError.wrap(reason, directory, operation);
    }
    throw FileSystemError.wrap(error, directory, operation);
  }
}
