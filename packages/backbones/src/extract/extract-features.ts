import { writeFileAtomic, writeNpy } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { FeatureExtractor } from '../backbone.js';

/** A batch of images, as bctkit's data loader yields them (only `images` is required). */
export interface ImageBatch {
  /** `[batch, height, width, channels]`, bctkit-normalised. */
  readonly images: tf.Tensor4D;
  /** Dataset index of each image. */
  readonly indices?: Int32Array;
  /** Label of each image. */
  readonly labelValues?: Int32Array;
  /** Returns the batch's memory to its loader; otherwise `images` is disposed. */
  release?(): void;
}

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
  /**
   * Flip-test: the embedding of each image plus that of its mirror image, as insightface's
   * evaluation computes it. Default false.
   */
  readonly flip?: boolean;
  /** Number of images expected (sizes the output at once, and feeds progress). */
  readonly total?: number;
  /** Called after each batch with the images done so far. */
  readonly onProgress?: (done: number, total: number | undefined) => void;
}

/** Features of a dataset, row-aligned with its labels and indices. */
export interface ExtractedFeatures {
  /** `[count, dim]`, row-major. */
  readonly features: Float32Array;
  readonly count: number;
  readonly dim: number;
  /** Label per row (-1 where the batches carried none). */
  readonly labels: Int32Array;
  /** Dataset index per row (the row number where the batches carried none). */
  readonly indices: Int32Array;
}

/**
 * Embeds every batch with `extractor` in inference mode, in arrival order (give a loader with
 * `shuffle: false` for file order). Raw embeddings are returned, not L2-normalised.
 */
export async function extractFeatures(
  extractor: FeatureExtractor,
  batches: AsyncIterable<ImageBatch> | Iterable<ImageBatch>,
  options: ExtractOptions = {},
): Promise<ExtractedFeatures> {
  const dim = extractor.embeddingDim;
  let capacity = Math.max(options.total ?? 0, 1);
  let features = new Float32Array(capacity * dim);
  let labels = new Int32Array(capacity);
  let indices = new Int32Array(capacity);
  let count = 0;
  for await (const batch of batches) {
    const size = batch.images.shape[0];
    let embeddings: Float32Array;
    try {
      const output = tf.tidy(() => {
        const plain = extractor.embed(batch.images);
        return options.flip ? tf.add(plain, extractor.embed(tf.reverse(batch.images, 2))) : plain;
      });
      embeddings = (await output.data()) as Float32Array;
      output.dispose();
    } finally {
      if (batch.release) batch.release();
      else batch.images.dispose();
    }
    if (count + size > capacity) {
      capacity = Math.max(2 * capacity, count + size);
      const grow = <T extends Float32Array | Int32Array>(
        old: T,
        make: (n: number) => T,
        width: number,
      ) => {
        const next = make(capacity * width);
        next.set(old.subarray(0, count * width));
        return next;
      };
      features = grow(features, (n) => new Float32Array(n), dim);
      labels = grow(labels, (n) => new Int32Array(n), 1);
      indices = grow(indices, (n) => new Int32Array(n), 1);
    }
    features.set(embeddings, count * dim);
    for (let row = 0; row < size; row++) {
      labels[count + row] = batch.labelValues?.[row] ?? -1;
      indices[count + row] = batch.indices?.[row] ?? count + row;
    }
    count += size;
    options.onProgress?.(count, options.total);
  }
  return {
    features: features.subarray(0, count * dim),
    count,
    dim,
    labels: labels.subarray(0, count),
    indices: indices.subarray(0, count),
  };
}

/**
 * Writes features as `.npy` (float32, C order, `[count, dim]`, readable by `numpy.load`) and the
 * labels beside it, one per line, in `<name>.labels.txt` (`numpy.loadtxt` reads it). Both files
 * are written atomically.
 * @returns the path of the labels file.
 */
export async function writeFeatures(path: string, extracted: ExtractedFeatures): Promise<string> {
  await writeNpy(path, { data: extracted.features, rows: extracted.count, cols: extracted.dim });
  const labelsPath = `${path.replace(/\.npy$/, '')}.labels.txt`;
  const lines = Array.from(extracted.labels, String).join('\n');
  await writeFileAtomic(labelsPath, extracted.count > 0 ? `${lines}\n` : '');
  return labelsPath;
}
