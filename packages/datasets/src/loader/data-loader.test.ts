import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetFormatError, InvalidConfigError } from '@bctkit/tensor-ops';
import { clone, memory } from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { openSource } from '../builtins.js';
import { faceRecordPath } from '../fixtures/recordio-fixtures.js';
import { packSource } from '../recordio/pack-source.js';
import type { DatasetSource } from '../sources/source.js';
import { type Batch, createDataLoader, type DataLoader } from './data-loader.js';
import { decodeImage } from './image-transform.js';

const fashionSlice = fileURLToPath(new URL('../fixtures/fashion-mnist/', import.meta.url));
const fashion = () =>
  openSource({
    type: 'idx',
    images: join(fashionSlice, 'train-images-idx3-ubyte.gz'),
    labels: join(fashionSlice, 'train-labels-idx1-ubyte.gz'),
  });

const loaders: DataLoader[] = [];
async function loader(...args: Parameters<typeof createDataLoader>): Promise<DataLoader> {
  const created = await createDataLoader(...args);
  loaders.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(loaders.splice(0).map((created) => created.close()));
});

/** Collects an epoch's batches as host arrays, disposing the tensors. */
async function collect(data: DataLoader, epoch: number, startBatch = 0) {
  const out: { pixels: Float32Array; labels: number[]; indices: number[]; step: number }[] = [];
  for await (const batch of data.batches(epoch, { startBatch })) out.push(drain(batch));
  return out;
}
function drain(batch: Batch) {
  const result = {
    pixels: batch.images.dataSync() as Float32Array,
    labels: [...batch.labels.dataSync()],
    indices: [...batch.indices],
    step: batch.step,
  };
  expect(result.labels).toEqual([...batch.labelValues]);
  batch.images.dispose();
  batch.labels.dispose();
  return result;
}

/** The normalised pixels of one source image, computed here independently of the loader. */
async function expectedPixels(
  source: DatasetSource,
  index: number,
  flip: boolean,
): Promise<number[]> {
  const { image } = await source.read(index);
  if (image.kind !== 'pixels') throw new Error('pixels expected');
  const out: number[] = [];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const value = image.data[y * image.width + (flip ? image.width - 1 - x : x)]!;
      out.push(Math.fround((value / 255 - 0.5) / 0.5));
    }
  }
  return out;
}

describe('createDataLoader on real Fashion-MNIST images', () => {
  it('in file order without flips, gives every image once with its label and normalised pixels', async () => {
    const source = await fashion();
    const data = await loader(source, { batchSize: 10, shuffle: false, workers: 0 });
    expect(data.imageShape).toEqual([28, 28, 1]);
    expect(data.batchesPerEpoch).toBe(7); // 64 images, last batch of 4 kept
    const batches = await collect(data, 0);
    expect(batches.flatMap((batch) => batch.indices)).toEqual(
      Array.from({ length: 64 }, (_, i) => i),
    );
    expect(batches.flatMap((batch) => batch.labels)).toEqual([...(await source.labels())]);
    expect([...batches[1]!.pixels.subarray(3 * 784, 4 * 784)]).toEqual(
      await expectedPixels(source, 13, false),
    );
  });

  it('shuffles with a seed: every image once per epoch, dropLast, and flips about half the images', async () => {
    const source = await fashion();
    const data = await loader(source, {
      batchSize: 8,
      seed: 5,
      workers: 0,
      chunkSize: 4,
      windowChunks: 4,
    });
    expect(data.batchesPerEpoch).toBe(8);
    const batches = await collect(data, 0);
    const indices = batches.flatMap((batch) => batch.indices);
    expect(new Set(indices).size).toBe(64);
    expect(indices).not.toEqual(Array.from({ length: 64 }, (_, i) => i));
    let flipped = 0;
    for (const batch of batches) {
      for (const [i, index] of batch.indices.entries()) {
        const got = [...batch.pixels.subarray(i * 784, (i + 1) * 784)];
        const plain = await expectedPixels(source, index, false);
        const mirrored = await expectedPixels(source, index, true);
        const isPlain = got.every((value, k) => value === plain[k]);
        const isMirrored = got.every((value, k) => value === mirrored[k]);
        expect(isPlain || isMirrored).toBe(true);
        if (isMirrored && !isPlain) flipped += 1;
      }
    }
    expect(flipped).toBeGreaterThan(16);
    expect(flipped).toBeLessThan(48);
  });

  it('is reproducible, identical with and without worker threads, and resumes mid-epoch', async () => {
    const source = await fashion();
    const options = { batchSize: 16, seed: 11, chunkSize: 8, windowChunks: 2 };
    const inProcess = await collect(await loader(source, { ...options, workers: 0 }), 3);
    const threaded = await collect(await loader(source, { ...options, workers: 2 }), 3);
    expect(threaded).toEqual(inProcess);
    const resumed = await collect(await loader(source, { ...options, workers: 2 }), 3, 2);
    expect(resumed).toEqual(inProcess.slice(2));
    const nextEpoch = await collect(await loader(source, { ...options, workers: 0 }), 4);
    expect(nextEpoch[0]!.indices).not.toEqual(inProcess[0]!.indices);
  });

  it('leaks no tensors, also when the consumer stops early', async () => {
    const source = await fashion();
    const data = await loader(source, { batchSize: 8, workers: 2, prefetch: 3 });
    const before = memory().numTensors;
    for await (const batch of data.batches(0)) {
      batch.images.dispose();
      batch.labels.dispose();
      if (batch.step === 1) break;
    }
    expect(memory().numTensors).toBe(before);
  });

  it('reuses batch memory after release() without corrupting a clone the consumer kept', async () => {
    const source = await fashion();
    const options = { batchSize: 8, seed: 3, workers: 2, prefetch: 1 };
    const reference = await collect(await loader(source, options), 0);
    const data = await loader(source, options);
    const before = memory().numTensors;
    let kept: ReturnType<typeof clone> | undefined;
    const seen: number[][] = [];
    for await (const batch of data.batches(0)) {
      if (batch.step === 0) kept = clone(batch.images);
      seen.push([...batch.images.dataSync()]);
      batch.release();
      expect(batch.images.isDisposed && batch.labels.isDisposed).toBe(true);
    }
    expect(seen).toEqual(reference.map((batch) => [...batch.pixels]));
    expect([...kept!.dataSync()]).toEqual([...reference[0]!.pixels]);
    kept!.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('repeats grey into three channels on request', async () => {
    const source = await fashion();
    const data = await loader(source, { batchSize: 4, shuffle: false, workers: 0, channels: 3 });
    const [first] = await collect(data, 0);
    const grey = await expectedPixels(source, 0, false);
    expect([...first!.pixels.subarray(0, 9)]).toEqual([
      grey[0],
      grey[0],
      grey[0],
      grey[1],
      grey[1],
      grey[1],
      grey[2],
      grey[2],
      grey[2],
    ]);
  });
});

describe('createDataLoader on encoded images', () => {
  it('decodes JPEG records in worker threads', async () => {
    const jpeg = await readFile(new URL('../fixtures/images/baseline-112x96.jpg', import.meta.url));
    const root = await mkdtemp(join(tmpdir(), 'bctkit-loader-'));
    for (const person of ['a', 'b']) {
      await mkdir(join(root, 'faces', person), { recursive: true });
      for (const file of ['1.jpg', '2.jpg', '3.jpg'])
        await writeFile(join(root, 'faces', person, file), jpeg);
    }
    await packSource(await openSource({ type: 'image-folder', root: join(root, 'faces') }), root);
    const source = await openSource({ type: 'rec', path: join(root, 'train.rec') });
    const data = await loader(source, { batchSize: 4, workers: 2, seed: 1 });
    expect(data.imageShape).toEqual([96, 112, 3]);
    const batches = await collect(data, 0);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.pixels).toHaveLength(4 * 96 * 112 * 3);
    // Each image is the decoded JPEG, normalised, mirrored or not (checked on a grid of pixels).
    const decoded = decodeImage(new Uint8Array(jpeg));
    const normalized = (value: number) => Math.fround((value / 255 - 0.5) / 0.5);
    for (let i = 0; i < 4; i++) {
      const image = batches[0]!.pixels.subarray(i * 96 * 112 * 3, (i + 1) * 96 * 112 * 3);
      const matches = (flip: boolean) => {
        for (let y = 0; y < 96; y += 7) {
          for (let x = 0; x < 112; x += 5) {
            const from = (y * 112 + (flip ? 111 - x : x)) * 3;
            for (let c = 0; c < 3; c++)
              if (image[(y * 112 + x) * 3 + c] !== normalized(decoded.data[from + c]!))
                return false;
          }
        }
        return true;
      };
      expect(matches(false) || matches(true)).toBe(true);
    }
    await source.close();
  });

  it('names the dataset index of an image that cannot be decoded', async () => {
    const source = await openSource({ type: 'rec', path: faceRecordPath }); // random bytes behind a JPEG marker
    await expect(createDataLoader(source, { batchSize: 2, workers: 0 })).rejects.toThrow();
    const pixelsFirst: DatasetSource = {
      ...source,
      read: async (index) =>
        index === 0
          ? {
              index,
              label: 0,
              image: {
                kind: 'pixels',
                data: new Uint8Array(112 * 112 * 3),
                height: 112,
                width: 112,
                channels: 3,
              },
            }
          : source.read(index),
    };
    const data = await loader(pixelsFirst, { batchSize: 3, shuffle: false, workers: 2 });
    const error = await collect(data, 0).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetFormatError);
    // The rec source locates the image: file, record key 2 (dataset index 1), byte offset 116.
    expect((error as DatasetFormatError).record).toBe(2);
    expect((error as DatasetFormatError).file).toBe(faceRecordPath);
    expect((error as DatasetFormatError).offset).toBe(116);
    expect((error as Error).message).toMatch(
      /\(record 2, byte 116\): image at dataset index 1: cannot decode the image/,
    );
    await source.close();
  });

  it('rejects impossible settings', async () => {
    const source = await fashion();
    await expect(createDataLoader(source, { batchSize: 0 })).rejects.toThrow(InvalidConfigError);
    await expect(createDataLoader(source, { batchSize: 100 })).rejects.toThrow(
      /larger than the dataset/,
    );
    const data = await loader(source, { batchSize: 8, workers: 0 });
    await expect(collect(data, 0, 9)).rejects.toThrow(/startBatch/);
  });
});
