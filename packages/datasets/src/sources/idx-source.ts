import { join } from 'node:path';
import { DatasetFormatError } from '@bctkit/tensor-ops';
import { z } from 'zod';
import { readIdxFile } from './idx-file.js';
import { createPixelSource } from './pixel-source.js';
import type { DatasetSource, SourceSpec } from './source.js';

const idxConfig = z.strictObject({
  type: z.literal('idx'),
  /** Image file: `[count, height, width]` unsigned bytes, `.gz` or not. */
  images: z.string().min(1),
  /** Label file: `[count]` unsigned bytes, `.gz` or not. */
  labels: z.string().min(1),
});

/** Config of the `idx` source. */
export type IdxSourceConfig = z.infer<typeof idxConfig>;

/** Opens an IDX image/label file pair (MNIST, Fashion-MNIST, EMNIST) as grey-scale pixels. */
export async function openIdxSource(config: IdxSourceConfig): Promise<DatasetSource> {
  const [images, labels] = await Promise.all([
    readIdxFile(config.images),
    readIdxFile(config.labels),
  ]);
  if (images.shape.length !== 3) {
    throw new DatasetFormatError(
      config.images,
      3,
      `expected [count, height, width] images, got [${images.shape.join(', ')}]`,
    );
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new DatasetFormatError(
      config.labels,
      3,
      `expected [${images.shape[0]}] labels to match the images, got [${labels.shape.join(', ')}]`,
    );
  }
  const labelArray = Int32Array.from(labels.data);
  return createPixelSource('idx', {
    pixels: images.data,
    labels: labelArray,
    height: images.shape[1]!,
    width: images.shape[2]!,
    channels: 1,
    numClasses: labelArray.reduce((max, label) => Math.max(max, label + 1), 0),
  });
}

/** The `idx` source. */
export const idxSourceSpec: SourceSpec<IdxSourceConfig> = {
  id: 'idx',
  aliases: ['ubyte'],
  description: 'IDX image and label files (MNIST, Fashion-MNIST), gzipped or not',
  specVersion: 1,
  configSchema: idxConfig,
  open: openIdxSource,
};

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEBIAN_FASHION_MNIST_DIRECTORY = '/usr/share/datasets/fashion-mnist';

const fashionConfig = z.strictObject({
  type: z.literal('fashion-mnist'),
  /** `train` (60,000 images) or `test` (10,000). */
  split: z.enum(['train', 'test']).default('train'),
  /** Directory holding the four `*-ubyte.gz` files. */
  directory: z.string().min(1).default(DEBIAN_FASHION_MNIST_DIRECTORY),
});

/** Config of the `fashion-mnist` source. */
export type FashionMnistSourceConfig = z.infer<typeof fashionConfig>;

/** Fashion-MNIST (28 x 28 grey clothing images, 10 classes) from its standard IDX files. */
export const fashionMnistSourceSpec: SourceSpec<FashionMnistSourceConfig> = {
  id: 'fashion-mnist',
  aliases: ['fmnist'],
  description: `Fashion-MNIST from its IDX files (Debian: apt-get install dataset-fashion-mnist, in ${DEBIAN_FASHION_MNIST_DIRECTORY})`,
  specVersion: 1,
  configSchema: fashionConfig,
  async open(config) {
    const prefix = config.split === 'train' ? 'train' : 't10k';
    const source = await openIdxSource({
      type: 'idx',
      images: join(config.directory, `${prefix}-images-idx3-ubyte.gz`),
      labels: join(config.directory, `${prefix}-labels-idx1-ubyte.gz`),
    });
    return { ...source, type: 'fashion-mnist' };
  },
};
