import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileSystemError } from '../errors/errors.js';

/**
 * A temporary path in the same directory as `path` (so a rename onto `path` is atomic), named
 * `.<name>.partial-<pid>-<random>` so leftovers of a killed process are recognisable.
 */
export function temporaryPathFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/**
 * Writes a whole file atomically: to a temporary name in the same directory, flushed to disk,
 * then renamed over `path`. Readers see either the old file or the complete new one; a crash
 * leaves at most a `.partial-` file, never a half-written `path`.
 * @throws {@link FileSystemError} naming `path` when the disk is full, read-only, or the directory
 *   is missing or not writable.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw FileSystemError.wrap(error, path, 'write');
  }
}

/** Whether a process with this id is running (a signal 0 probe). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files (`.<name>.partial-<pid>-<random>`, see {@link temporaryPathFor}) that
 * a killed process left in `directory`, those of processes still running excepted. With `name`,
 * only the leftovers of that output. Returns the names removed.
 */
export async function removeStalePartials(directory: string, name?: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch {
    return [];
  }
  const pattern = /^\.(.+)\.partial-(\d+)-[0-9a-f]{8}$/;
  const removed: string[] = [];
  for (const entry of entries) {
    const match = pattern.exec(entry);
    if (match === null || (name !== undefined && match[1] !== name)) continue;
    const pid = Number(match[2]);
    if (pid !== process.pid && processAlive(pid)) continue;
    await rm(join(directory, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
