import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the sources of a build are: a folder, and which of its files (relative paths) count. */
export interface SourceTree {
  readonly root: string;
  readonly isSource: (relativePath: string) => boolean;
}

/**
 * Fails unless the build output `built` exists and is newer than every source file, for tests
 * that run a build (a CLI as processes, a site in a browser) rather than the sources.
 * @param rebuild the command that brings `built` up to date, for the message.
 */
export async function assertBuiltAfterSources(
  built: string,
  trees: readonly SourceTree[],
  rebuild: string,
): Promise<void> {
  const builtAt = (await stat(built).catch(() => undefined))?.mtimeMs;
  if (builtAt === undefined)
    throw new Error(`${built} is missing: run '${rebuild}' (pnpm test does it first)`);
  for (const { root, isSource } of trees) {
    const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    for (const file of files) {
      if (!isSource(file)) continue;
      const path = join(root, file);
      if ((await stat(path)).mtimeMs > builtAt)
        throw new Error(`${path} is newer than ${built}: run '${rebuild}'`);
    }
  }
}
