import { availableParallelism } from 'node:os';
import { DatasetFormatError, InvalidConfigError } from '@bctkit/tensor-ops';
import { backend, type Tensor1D, type Tensor4D, tensor1d, tensor4d } from '@tensorflow/tfjs-core';
import type { DatasetSource } from '../sources/source.js';
import { DecodePool, ImageProcessingFailure } from './decode-pool.js';
import { epochOrder, epochRandom } from './epoch-order.js';
import { decodeImage, type TransformItem } from './image-transform.js';

/** Options of {@link createDataLoader}. */
export interface DataLoaderOptions {
  batchSize: number;
  /** Seeded, mostly sequential shuffle per epoch; `false` reads in file order. Default true. */
  shuffle?: boolean;
  /** Random horizontal flip with probability 0.5. Default: same as `shuffle`. */
  flip?: boolean;
  /** Drop the last incomplete batch. Default: same as `shuffle` (training drops, extraction keeps). */
  dropLast?: boolean;
  seed?: number;
  /** Batches prepared ahead of the consumer. Default 2. */
  prefetch?: number;
  /** Decode worker threads; 0 decodes in-process. Default: the number of CPUs, at most 4. */
  workers?: number;
  /**
   * Output channels; grey images are repeated into 3 (and, with `size`, RGB images turned grey
   * for 1). Default: the channels of the first image.
   */
  channels?: 1 | 3;
  /**
   * `[height, width]` of the batches: every image of another size is resized to it (antialiased
   * bilinear, as Pillow's BILINEAR). Default: the first image's size, and images of another size
   * are refused.
   */
  size?: readonly [number, number];
  /** See {@link epochOrder}. */
  chunkSize?: number;
  windowChunks?: number;
}

/** One batch: normalised images and labels as tensors, plus the dataset indices of its images. */
export interface Batch {
  /** `[batch, height, width, channels]` float32, `(x / 255 - 0.5) / 0.5`. The consumer disposes it. */
  readonly images: Tensor4D;
  /** `[batch]` int32 labels. The consumer disposes it. */
  readonly labels: Tensor1D;
  /** Dataset index of each image (MixBCT looks old features up by it). */
  readonly indices: Int32Array;
  /** The labels, on the host. */
  readonly labelValues: Int32Array;
  readonly epoch: number;
  /** Batch number within the epoch, from 0. */
  readonly step: number;
  /**
   * Disposes `images` and `labels` and lets the loader reuse the batch's memory for a later batch,
   * which is faster than fresh memory. Keep no clone or reshape of `images` after calling it
   * (the loader checks, and then simply does not reuse the memory). Disposing the tensors yourself
   * instead is also fine.
   */
  release(): void;
}

/** Options of {@link DataLoader.batches}. */
export interface EpochOptions {
  /** Skip this many batches (to resume an interrupted epoch with the same order). */
  startBatch?: number;
}

/** Batches of a dataset for training or feature extraction. */
export interface DataLoader {
  readonly source: DatasetSource;
  /** `[height, width, channels]` of every image. */
  readonly imageShape: readonly [number, number, 1 | 3];
  /** `[height, width, channels]` of the dataset's first image, before any resizing. */
  readonly sourceShape: readonly [number, number, 1 | 3];
  readonly batchesPerEpoch: number;
  /** The batches of `epoch`, in a deterministic order for (seed, epoch). */
  batches(epoch: number, options?: EpochOptions): AsyncGenerator<Batch, void, undefined>;
  /** Stops the decode workers. */
  close(): Promise<void>;
}

interface PreparedBatch {
  readonly buffer: SharedArrayBuffer;
  readonly pixels: Float32Array;
  readonly indices: Int32Array;
  readonly labelValues: Int32Array;
  readonly step: number;
}

/**
 * Creates a loader over any {@link DatasetSource}. Memory stays bounded by `prefetch` batches
 * whatever the dataset size: images are read and decoded batch by batch.
 *
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} (while iterating) for an image that cannot
 * be decoded or has another size than the first one.
 */
export async function createDataLoader(
  source: DatasetSource,
  options: DataLoaderOptions,
): Promise<DataLoader> {
  const { batchSize, shuffle = true, seed = 0, prefetch = 2, chunkSize, windowChunks } = options;
  const flip = options.flip ?? shuffle;
  const dropLast = options.dropLast ?? shuffle;
  const workers = options.workers ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidConfigError('batchSize', `expected a positive integer, got ${batchSize}`);
  if (!Number.isInteger(prefetch) || prefetch < 0)
    throw new InvalidConfigError('prefetch', `expected a whole number, got ${prefetch}`);
  if (!Number.isInteger(workers) || workers < 0)
    throw new InvalidConfigError('workers', `expected a whole number, got ${workers}`);
  if (source.size === 0) throw new InvalidConfigError('source', 'the dataset is empty');
  const first = (await source.read(0)).image;
  const firstPixels = first.kind === 'encoded' ? decodeFirst(source, first.bytes) : first;
  const channels = options.channels ?? firstPixels.channels;
  const { size } = options;
  if (
    size !== undefined &&
    !(
      size.length === 2 && size.every((side) => Number.isInteger(side) && side >= 1 && side <= 8192)
    )
  )
    throw new InvalidConfigError('size', `expected [height, width] in 1..8192, got [${size}]`);
  const imageShape = [
    size?.[0] ?? firstPixels.height,
    size?.[1] ?? firstPixels.width,
    channels,
  ] as const;
  const convert = size !== undefined;
  const batchesPerEpoch = dropLast
    ? Math.floor(source.size / batchSize)
    : Math.ceil(source.size / batchSize);
  if (batchesPerEpoch === 0) {
    throw new InvalidConfigError(
      'batchSize',
      `${batchSize} is larger than the dataset (${source.size} images) and dropLast is on`,
    );
  }
  const pool = new DecodePool(workers);
  // Batch memory handed back by Batch.release(), for reuse: warm memory is much faster to write
  // than fresh memory. At most prefetch + 2 buffers are kept.
  const fullBytes = batchSize * imageShape[0] * imageShape[1] * channels * 4;
  const spare: SharedArrayBuffer[] = [];
  const takeBuffer = () => spare.pop() ?? new SharedArrayBuffer(fullBytes);
  const giveBack = (buffer: SharedArrayBuffer) => {
    if (spare.length < prefetch + 2) spare.push(buffer);
  };

  async function prepare(
    order: Uint32Array,
    flips: Uint8Array,
    step: number,
  ): Promise<PreparedBatch> {
    const start = step * batchSize;
    const end = Math.min(order.length, start + batchSize);
    const samples = await Promise.all(
      Array.from(order.subarray(start, end), (index) => source.read(index)),
    );
    const items: TransformItem[] = samples.map((sample, i) => ({
      image: sample.image,
      flip: flips[start + i] === 1,
    }));
    let pixels: Float32Array;
    const buffer = takeBuffer();
    try {
      pixels = await pool.process(items, imageShape[0], imageShape[1], channels, buffer, convert);
    } catch (error) {
      giveBack(buffer);
      if (!(error instanceof ImageProcessingFailure)) throw error;
      const index = samples[error.item]?.index;
      const where = index === undefined ? undefined : source.locate?.(index);
      throw new DatasetFormatError(
        where?.file ?? source.type,
        where?.offset,
        `image at dataset index ${index}: ${error.message}`,
        { record: where?.record ?? index },
      );
    }
    return {
      buffer,
      pixels,
      indices: Int32Array.from(samples, (sample) => sample.index),
      labelValues: Int32Array.from(samples, (sample) => sample.label),
      step,
    };
  }

  return {
    source,
    imageShape,
    sourceShape: [firstPixels.height, firstPixels.width, firstPixels.channels],
    batchesPerEpoch,
    async *batches(epoch, epochOptions = {}) {
      const { startBatch = 0 } = epochOptions;
      if (!Number.isInteger(startBatch) || startBatch < 0 || startBatch > batchesPerEpoch) {
        throw new InvalidConfigError(
          'startBatch',
          `expected a whole number up to ${batchesPerEpoch}, got ${startBatch}`,
        );
      }
      const order = epochOrder(source.size, { shuffle, seed, epoch, chunkSize, windowChunks });
      // Flip decisions come from their own stream, fixed per (seed, epoch) and position.
      const flipRandom = epochRandom(seed + 1, epoch);
      const flips = Uint8Array.from(order, () => (flip && flipRandom.next() < 0.5 ? 1 : 0));
      const queue: Promise<PreparedBatch>[] = [];
      let next = startBatch;
      const fill = () => {
        while (queue.length <= prefetch && next < batchesPerEpoch) {
          const promise = prepare(order, flips, next++);
          promise.catch(() => undefined); // surfaced when awaited below
          queue.push(promise);
        }
      };
      try {
        fill();
        while (queue.length > 0) {
          const prepared = await queue.shift()!;
          fill();
          const count = prepared.indices.length;
          const images = tensor4d(prepared.pixels, [count, imageShape[0], imageShape[1], channels]);
          const labels = tensor1d(prepared.labelValues, 'int32');
          yield {
            images,
            labels,
            indices: prepared.indices,
            labelValues: prepared.labelValues,
            epoch,
            step: prepared.step,
            release() {
              const shared = !images.isDisposed && backend().refCount(images.dataId) > 1;
              if (!images.isDisposed) images.dispose();
              if (!labels.isDisposed) labels.dispose();
              if (!shared) giveBack(prepared.buffer);
            },
          };
        }
      } finally {
        for (const settled of await Promise.allSettled(queue)) {
          if (settled.status === 'fulfilled') giveBack(settled.value.buffer);
        }
      }
    },
    close: () => pool.close(),
  };
}

/** Decodes the first image (it fixes the batch shape), with the same located error as a batch's. */
function decodeFirst(source: DatasetSource, bytes: Uint8Array): ReturnType<typeof decodeImage> {
  try {
    return decodeImage(bytes);
  } catch (error) {
    const where = source.locate?.(0);
    throw new DatasetFormatError(
      where?.file ?? source.type,
      where?.offset,
      `image at dataset index 0: cannot decode the image: ${error instanceof Error ? error.message : String(error)}`,
      { record: where?.record ?? 0 },
    );
  }
}
