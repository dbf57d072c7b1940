import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DatasetFormatError, IndexOutOfRangeError } from '@bctkit/tensor-ops';
import { z } from 'zod';
import type { DatasetSource, SourceSpec } from './source.js';

/** The image files an image folder lists by default: JPEG, PNG, and Netpbm PGM / PPM. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.pgm',
  '.ppm',
  '.pnm',
];

const folderConfig = z.strictObject({
  type: z.literal('image-folder'),
  /** Directory with one sub-directory per identity. */
  root: z.string().min(1),
  /** File extensions counted as images (lower case). */
  extensions: z.array(z.string()).default(() => [...IMAGE_EXTENSIONS]),
  /**
   * Only these identities (sub-directory names): a list, or a file with one name per line (a tab
   * and anything after it is ignored, as is a first line holding only a number, so LFW's
   * `peopleDevTrain.txt` works as it is). Every name must exist.
   */
  identities: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Only identities with at least this many images. Default 1. */
  minImages: z.number().int().min(1).default(1),
  /**
   * Skip listed identities that have no folder instead of refusing the list (LFW's aligned crops
   * lack one of its people, Betsy_Coffin). Default false.
   */
  skipMissing: z.boolean().default(false),
});

/** Config of the `image-folder` source. */
export type ImageFolderSourceConfig = z.infer<typeof folderConfig>;

/** An image file of an image folder, with its class. */
export interface FolderEntry {
  readonly path: string;
  readonly label: number;
  readonly className: string;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Which identities of an image folder to keep (see {@link ImageFolderSourceConfig}). */
export interface IdentitySelection {
  /** Names, or the identity-list file they were read from (for errors). */
  readonly names?: readonly string[];
  readonly listFile?: string;
  readonly minImages?: number;
  /** Skip listed names without a folder instead of refusing the list. */
  readonly skipMissing?: boolean;
}

/**
 * Reads an identity list: one name per line; a tab and what follows it (LFW's image count) is
 * ignored, as are empty lines and a first line holding only a number (LFW's count header).
 */
export async function readIdentityList(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new DatasetFormatError(
      path,
      undefined,
      `cannot read the identity list: ${(cause as Error).message}`,
      { cause },
    );
  }
  const names: string[] = [];
  for (const [number, line] of text.split(/\r?\n/).entries()) {
    const name = line.split('\t')[0]!.trim();
    if (name === '' || (number === 0 && /^\d+$/.test(name))) continue;
    names.push(name);
  }
  if (names.length === 0)
    throw new DatasetFormatError(path, undefined, 'the identity list is empty');
  return names;
}

/** Whether a directory entry is (or links to) a directory / a file. */
async function entryKind(directory: string, entry: Dirent) {
  if (!entry.isSymbolicLink())
    return entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
  try {
    const target = await stat(join(directory, entry.name));
    return target.isDirectory() ? 'directory' : target.isFile() ? 'file' : 'other';
  } catch {
    return 'other'; // a dangling link
  }
}

async function listDirectory(directory: string) {
  try {
    return await readdir(directory, { withFileTypes: true });
  } catch (cause) {
    throw new DatasetFormatError(
      directory,
      undefined,
      `cannot list the image folder: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * Lists `root/<identity>/<image>` files (symbolic links followed): identities sorted by name get
 * labels 0, 1, ...; images within an identity are sorted by name. The order is the dataset order,
 * so the same folder gives the same indices on every machine. `selection` keeps only some
 * identities; the labels count the kept ones.
 *
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} for an unreadable folder, a listed identity
 * that is absent, or no images at all.
 */
export async function listImageFolder(
  root: string,
  extensions: readonly string[],
  selection: IdentitySelection = {},
): Promise<FolderEntry[]> {
  const classes: string[] = [];
  for (const entry of await listDirectory(root))
    if ((await entryKind(root, entry)) === 'directory') classes.push(entry.name);
  classes.sort(byName);
  let kept = classes;
  if (selection.names !== undefined) {
    const present = new Set(classes);
    const absent = selection.names.filter((name) => !present.has(name));
    if (absent.length > 0 && !selection.skipMissing) {
      throw new DatasetFormatError(
        selection.listFile ?? root,
        undefined,
        `${absent.length} listed ${absent.length === 1 ? 'identity is not a folder' : 'identities are not folders'}` +
          ` of ${root}: ${absent.slice(0, 3).join(', ')}${absent.length > 3 ? ', ...' : ''}`,
      );
    }
    const wanted = new Set(selection.names);
    kept = classes.filter((name) => wanted.has(name));
  }
  const minImages = selection.minImages ?? 1;
  const entries: FolderEntry[] = [];
  let label = 0;
  for (const className of kept) {
    const directory = join(root, className);
    const files: string[] = [];
    for (const entry of await listDirectory(directory)) {
      if (!extensions.includes(extname(entry.name).toLowerCase())) continue;
      if ((await entryKind(directory, entry)) === 'file') files.push(entry.name);
    }
    if (files.length === 0 || files.length < minImages) continue;
    files.sort(byName);
    for (const file of files) entries.push({ path: join(directory, file), label, className });
    label++;
  }
  if (entries.length === 0) {
    const filter = minImages > 1 ? ` with at least ${minImages} images` : '';
    throw new DatasetFormatError(
      root,
      undefined,
      `no identity${filter} has ${extensions.join('/')} images (expected root/<identity>/<image>)`,
    );
  }
  return entries;
}

/** Opens an image folder (one sub-directory per identity) as a source of encoded images. */
export async function openImageFolderSource(
  config: ImageFolderSourceConfig,
): Promise<DatasetSource> {
  const names =
    typeof config.identities === 'string'
      ? await readIdentityList(config.identities)
      : config.identities;
  const entries = await listImageFolder(config.root, config.extensions, {
    ...(names === undefined ? {} : { names }),
    ...(typeof config.identities === 'string' ? { listFile: config.identities } : {}),
    minImages: config.minImages,
    skipMissing: config.skipMissing,
  });
  const labels = Int32Array.from(entries, (entry) => entry.label);
  return {
    type: 'image-folder',
    size: entries.length,
    numClasses: labels.at(-1)! + 1,
    async read(index) {
      const entry = entries[index];
      if (entry === undefined)
        throw new IndexOutOfRangeError(`image index ${index} is outside [0, ${entries.length})`);
      return {
        index,
        label: entry.label,
        image: { kind: 'encoded', bytes: new Uint8Array(await readFile(entry.path)) },
      };
    },
    async labels() {
      return labels;
    },
    async close() {},
    locate(index) {
      return { file: entries[index]?.path ?? config.root };
    },
  };
}

/** The `image-folder` source. */
export const imageFolderSourceSpec: SourceSpec<ImageFolderSourceConfig> = {
  id: 'image-folder',
  aliases: ['folder', 'directory'],
  description:
    'A directory with one sub-directory of JPEG / PNG / PGM / PPM images per identity, optionally only listed identities or those with enough images',
  specVersion: 1,
  configSchema: folderConfig,
  open: openImageFolderSource,
};
