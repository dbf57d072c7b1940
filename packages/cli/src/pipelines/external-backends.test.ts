import { join } from 'node:path';
import { loadExternalModel } from '@bctkit/backbones';
import { useBackend } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../testing/faces.js';

// `bct` runs external models on cpu with bctkit's native kernels (depthwise and fused convolutions
// among them), or on wasm without them (activateInferenceBackend): both must give the same
// features, for the real MobileFaceNet in models/mobilefacenet.
const config = join(REPOSITORY_ROOT, 'models', 'mobilefacenet', 'unit.json');

async function embed(backend: 'cpu' | 'wasm', images: Float32Array): Promise<Float32Array> {
  await useBackend(backend, { purpose: 'inference' });
  expect(tf.getBackend()).toBe(backend);
  const model = await loadExternalModel(config);
  try {
    expect(model.inputShape).toEqual([112, 112, 3]);
    expect(model.embeddingDim).toBe(192);
    const input = tf.tensor4d(images, [2, 112, 112, 3]);
    const output = model.embed(input);
    const values = (await output.data()) as Float32Array;
    tf.dispose([input, output]);
    return values;
  } finally {
    model.dispose();
  }
}

afterAll(async () => {
  await useBackend('cpu');
});

describe('MobileFaceNet on the wasm and cpu backends', () => {
  it('gives the same embeddings within 1e-5', { timeout: 120_000 }, async () => {
    // Two face-like smooth images in bctkit's input scale, [-1, 1].
    const images = Float32Array.from(
      { length: 2 * 112 * 112 * 3 },
      (_, i) => Math.sin(i / 977) * 0.8 + (i % 3) * 0.05,
    );
    const cpu = await embed('cpu', images);
    const wasm = await embed('wasm', images);
    let worst = 0;
    for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(cpu[i]! - wasm[i]!));
    expect(cpu.length).toBe(2 * 192);
    expect(worst).toBeLessThan(1e-5);
  });
});
