import { createDataLoader, type DatasetSource } from '@bctkit/datasets';
import { stringify } from 'yaml';

/** What {@link starterConfig} needs to know about the training images. */
export interface DataSummary {
  readonly images: number;
  readonly classes: number;
  /** `[height, width, channels]` of the first image. */
  readonly firstImage: readonly [number, number, 1 | 3];
}

/** Counts a source's images and classes and decodes its first image (for its size). */
export async function summariseData(source: DatasetSource): Promise<DataSummary> {
  const loader = await createDataLoader(source, {
    batchSize: 1,
    shuffle: false,
    workers: 0,
    prefetch: 1,
  });
  try {
    return { images: source.size, classes: source.numClasses, firstImage: loader.sourceShape };
  } finally {
    await loader.close();
  }
}

/**
 * The model input a starter config picks: the images' side up to 56 pixels (a quarter of
 * insightface's 112x112 in pixels, so about four times faster on a CPU), never upscaled.
 */
export function starterInputSize([height, width]: readonly [number, number, 1 | 3]): number {
  return Math.max(8, Math.min(56, height, width));
}

/** Batch size of a starter config: 64, or half the images of a small set (at least 2). */
export function starterBatchSize(images: number): number {
  return Math.max(2, Math.min(64, Math.floor(images / 2)));
}

/**
 * A commented YAML training config for `data` (a dataset source config), sized for a first run
 * on a CPU: a narrow iResNet-18 at {@link starterInputSize}, ArcFace, no compatibility loss (an
 * old model), with the lines that turn it into a compatible new model commented out.
 */
export function starterConfig(
  data: { readonly type: string } & Readonly<Record<string, unknown>>,
  summary: DataSummary,
): string {
  const [height, width, channels] = summary.firstImage;
  const inputSize = starterInputSize(summary.firstImage);
  const batchSize = starterBatchSize(summary.images);
  const dataBlock = stringify({ data }).trimEnd();
  const resized =
    inputSize === height && inputSize === width
      ? ''
      : `\n# Images of another size are resized to inputSize (antialiased bilinear), ${height}x${width} -> ${inputSize}x${inputSize} here.`;
  return `# bctkit training config, written by bct init. Train with:
#   bct train --config THIS_FILE --out runs/old
# Every field and its default: bct train prints the resolved config before it starts;
# bct list (components and their options); docs: apps/docs/guide/training.md.

# The training images: ${summary.images} images of ${summary.classes} classes, the first ${height}x${width} ${channels === 1 ? 'grey' : 'RGB'}.
# Each sub-folder of an image folder is a class; relative paths are from where bct runs.
${dataBlock}

# The model: iResNet-18 at a quarter of its width, for a first run on a CPU. insightface's face
# models are iresnet-50 / iresnet-100 at 112x112 and full width (bct models lists their cost).${resized}
backbone:
  type: iresnet-18
  inputSize: ${inputSize}
  inputChannels: ${channels}
  widthMultiplier: 0.25
  embeddingDim: 128

# ArcFace margin head; insightface trains with scale 64 and margin 0.5 on thousands of classes.
head:
  type: arcface
  scale: 32
  margin: 0.3

# No compatibility loss: this trains the old model. For a new model compatible with it, extract
# the old model's features of these images, denoise them (bct denoise), then use, e.g.:
#   loss: { type: mixbct, ratio: 0.5 }
#   oldFeatures: runs/old-features.npy
#   credible: runs/credible.npy
# (bct list losses shows every method and what it needs.)
loss:
  type: none

optimizer:
  learningRate: 0.1
batchSize: ${batchSize}
epochs: 10
# Random horizontal flips: turn off when a mirrored image is another class (e.g. digits).
flip: true
seed: 1
`;
}
