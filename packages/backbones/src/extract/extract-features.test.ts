import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '@bctkit/tensor-ops';
import { expectAllClose, withNoTensorLeaks } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createBackbone } from '../builtins.js';
import { extractFeatures, type ImageBatch, writeFeatures } from './extract-features.js';

const model = createBackbone({
  type: 'iresnet-18',
  inputSize: 12,
  widthMultiplier: 0.125,
  embeddingDim: 6,
  inputChannels: 1,
  seed: 2,
});
const images = tf.randomUniform([5, 12, 12, 1], -1, 1, 'float32', 7) as tf.Tensor4D;

function* batchesOf(source: tf.Tensor4D, size: number, firstLabel = 10): Generator<ImageBatch> {
  for (let start = 0; start < source.shape[0]; start += size) {
    const count = Math.min(size, source.shape[0] - start);
    yield {
      images: tf.slice(source, [start, 0, 0, 0], [count, -1, -1, -1]),
      labelValues: Int32Array.from({ length: count }, (_, row) => firstLabel + start + row),
      indices: Int32Array.from({ length: count }, (_, row) => 100 + start + row),
    };
  }
}

describe('extractFeatures', () => {
  it('embeds every batch in order, with labels and indices, leaking nothing', async () => {
    const expected = model.embed(images);
    const progress: number[] = [];
    const result = await withNoTensorLeaks(() =>
      extractFeatures(model, batchesOf(images, 2), { onProgress: (done) => progress.push(done) }),
    );
    expect([result.count, result.dim]).toEqual([5, 6]);
    expectAllClose(result.features, expected.dataSync(), { atol: 1e-5 });
    expect([...result.labels]).toEqual([10, 11, 12, 13, 14]);
    expect([...result.indices]).toEqual([100, 101, 102, 103, 104]);
    expect(progress).toEqual([2, 4, 5]);
    expected.dispose();
  });

  it('flip-test sums the embeddings of the image and its mirror, so mirroring changes nothing', async () => {
    const flipped = await extractFeatures(model, batchesOf(images, 5), { flip: true, total: 5 });
    const manual = tf.tidy(() => tf.add(model.embed(images), model.embed(tf.reverse(images, 2))));
    expectAllClose(flipped.features, manual.dataSync(), { atol: 1e-5 });
    const mirrored = tf.reverse(images, 2) as tf.Tensor4D;
    const again = await extractFeatures(model, batchesOf(mirrored, 3), { flip: true });
    expectAllClose(again.features, flipped.features, { atol: 1e-5 });
    tf.dispose([manual, mirrored]);
  });

  it('writes .npy features and an aligned labels file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-extract-'));
    try {
      const result = await extractFeatures(model, batchesOf(images, 4));
      const labelsPath = await writeFeatures(join(directory, 'old.npy'), result);
      expect(labelsPath).toBe(join(directory, 'old.labels.txt'));
      const npy = await readNpy(join(directory, 'old.npy'));
      expect([npy.rows, npy.cols]).toEqual([5, 6]);
      expect(npy.data).toEqual(result.features);
      expect(await readFile(labelsPath, 'utf8')).toBe('10\n11\n12\n13\n14\n');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
