import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
    throw error;
  }
}
