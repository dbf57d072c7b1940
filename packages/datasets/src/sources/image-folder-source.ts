import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DatasetFormatError, IndexOutOfRangeError } from '@bctkit/tensor-ops';
import { z } from 'zod';
import type { DatasetSource, SourceSpec } from './source.js';

const folderConfig = z.strictObject({
  type: z.literal('image-folder'),
  /** Directory with one sub-directory per identity. */
  root: z.string().min(1),
  /** File extensions counted as images (lower case). */
  extensions: z.array(z.string()).default(['.jpg', '.jpeg', '.png']),
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

/**
 * Lists `root/<identity>/<image>` files: identities sorted by name get labels 0, 1, ...; images
 * within an identity are sorted by name. The order is the dataset order, so the same folder gives
 * the same indices on every machine.
 */
export async function listImageFolder(
  root: string,
  extensions: readonly string[],
): Promise<FolderEntry[]> {
  let classes: string[];
  try {
    classes = (await readdir(root, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort(byName);
  } catch (cause) {
    throw new DatasetFormatError(
      root,
      undefined,
      `cannot list the image folder: ${(cause as Error).message}`,
      { cause },
    );
  }
  const entries: FolderEntry[] = [];
  for (const [label, className] of classes.entries()) {
    const files = (await readdir(join(root, className), { withFileTypes: true }))
      .filter((entry) => entry.isFile() && extensions.includes(extname(entry.name).toLowerCase()))
      .map((entry) => entry.name)
      .sort(byName);
    for (const file of files) entries.push({ path: join(root, className, file), label, className });
  }
  if (entries.length === 0) {
    throw new DatasetFormatError(
      root,
      undefined,
      `no ${extensions.join('/')} images in any sub-directory (expected root/<identity>/<image>)`,
    );
  }
  return entries;
}

/** Opens an image folder (one sub-directory per identity) as a source of encoded images. */
export async function openImageFolderSource(
  config: ImageFolderSourceConfig,
): Promise<DatasetSource> {
  const entries = await listImageFolder(config.root, config.extensions);
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
  description: 'A directory with one sub-directory of JPEG/PNG images per identity',
  specVersion: 1,
  configSchema: folderConfig,
  open: openImageFolderSource,
};
