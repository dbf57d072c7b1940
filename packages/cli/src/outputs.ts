import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import {
  createDirectory,
  OutputExistsError,
  removeStalePartials,
  temporaryPathFor,
} from '@bctkit/tensor-ops';
import { pathExists } from './path-exists.js';

/** Options of {@link claimOutputs}. */
export interface ClaimOptions {
  /** Replace existing outputs (`--force`). */
  readonly force?: boolean;
  /** The option that named the outputs, for the message. Default `--out`. */
  readonly option?: string;
}

/**
 * The output rule of every `bct` command, checked before any work starts: each output must not
 * exist unless `force`, and its parent directories are created. Leftover `.partial-` files of a
 * killed earlier run beside each output are removed.
 *
 * @throws {@link OutputExistsError} naming the first existing output.
 */
export async function claimOutputs(
  paths: readonly string[],
  options: ClaimOptions = {},
): Promise<void> {
  const { force = false, option = '--out' } = options;
  if (!force)
    for (const path of paths) if (await pathExists(path)) throw new OutputExistsError(path, option);
  for (const path of paths) {
    await createOutputDirectory(dirname(path));
    await removeStalePartials(dirname(path), basename(path));
  }
}

/**
 * Directories that {@link claimOutputs} created in this command, outermost first, so that a
 * command that fails leaves no empty folders behind ({@link removeCreatedDirectories}).
 */
const createdDirectories: string[] = [];

/** Creates a directory and its parents, remembering those it made. */
async function createOutputDirectory(directory: string): Promise<void> {
  const created = await createDirectory(directory, 'create the output directory');
  if (created === undefined) return;
  // mkdir reports the outermost directory it made; record each one down to `directory`.
  const first = resolve(created);
  const made: string[] = [];
  for (let path = resolve(directory); ; path = dirname(path)) {
    made.unshift(path);
    if (path === first || dirname(path) === path) break;
  }
  createdDirectories.push(...made);
}

/**
 * Removes the directories {@link claimOutputs} created for a command that then failed, innermost
 * first and only while empty (`rmdir`), so a failure leaves the file system as it was. Forgets
 * them either way: call it once at the end of every command.
 */
export async function removeCreatedDirectories(failed: boolean): Promise<void> {
  const directories = createdDirectories.splice(0).reverse();
  if (!failed) return;
  for (const directory of directories) await rmdir(directory).catch(() => {});
}

/**
 * Builds a directory output whole or not at all: `build` fills a temporary directory beside
 * `directory`, which then replaces it by renames (the previous one, with `--force`, is removed
 * only after the new one is in place). A failure removes the temporary directory and leaves
 * `directory` as it was.
 */
export async function writeDirectoryAtomic<T>(
  directory: string,
  build: (temporary: string) => Promise<T>,
): Promise<T> {
  const temporary = temporaryPathFor(directory);
  await mkdir(temporary, { recursive: true });
  let result: T;
  try {
    result = await build(temporary);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  const previous = (await pathExists(directory)) ? temporaryPathFor(directory) : undefined;
  try {
    if (previous !== undefined) await rename(directory, previous);
    await rename(temporary, directory);
  } catch (error) {
    if (previous !== undefined && !(await pathExists(directory)))
      await rename(previous, directory).catch(() => {});
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  if (previous !== undefined) await rm(previous, { recursive: true, force: true });
  return result;
}

/**
 * Moves every file of `staging` (a directory filled by a command) into `directory`, then removes
 * `staging`: for outputs that are several files in a directory shared with other files (a packed
 * `.rec`, `.idx` and `property`).
 */
export async function moveFilesInto(staging: string, directory: string): Promise<void> {
  for (const name of await readdir(staging))
    await rename(`${staging}/${name}`, `${directory}/${name}`);
  await rm(staging, { recursive: true, force: true });
}
