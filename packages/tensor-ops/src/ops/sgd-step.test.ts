import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { installCpuKernels, uninstallCpuKernels } from '../kernels/install-cpu-kernels.js';
import { nativeAddOn } from '../kernels/native-kernels.js';
import { sgdStep } from './sgd-step.js';

afterAll(() => {
  uninstallCpuKernels();
  installCpuKernels();
});

/** The step as separate tfjs ops (PyTorch's formula), on tfjs's own kernels. */
function reference(
  w: tf.Tensor,
  g: tf.Tensor,
  buffer: tf.Tensor | undefined,
  lr: number,
  momentum: number,
  decay: number,
) {
  uninstallCpuKernels();
  return tf.tidy(() => {
    const d = tf.add(g, tf.mul(w, decay));
    const b = buffer === undefined ? d : tf.add(tf.mul(buffer, momentum), d);
    return [tf.sub(w, tf.mul(b, lr)).dataSync(), b.dataSync()];
  });
}

const implementations = nativeAddOn().module === undefined ? [false] : [false, true];

describe('sgdStep', () => {
  it('takes a hand-computed step', () => {
    installCpuKernels();
    const [w, g, buffer] = [tf.tensor1d([1]), tf.tensor1d([0.5]), tf.tensor1d([2])];
    // d = 0.5 + 0.01 * 1 = 0.51; buffer' = 0.9 * 2 + 0.51 = 2.31; w' = 1 - 0.1 * 2.31 = 0.769
    const next = sgdStep(w, g, buffer, { learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 });
    expect(next.buffer.dataSync()[0]).toBeCloseTo(2.31, 6);
    expect(next.weights.dataSync()[0]).toBeCloseTo(0.769, 6);
    tf.dispose([w, g, buffer, next.weights, next.buffer]);
  });

  it.each(implementations)(
    'has the bits of the separate tfjs ops, first and later steps (native: %s)',
    (native) => {
      // Large enough for the add-on to split the work over threads, with values over many scales.
      const n = 70_001;
      const w = tf.mul(
        tf.randomNormal([n], 0, 1, 'float32', 1),
        tf.exp(tf.randomUniform([n], -8, 8, 'float32', 2)),
      );
      const g = tf.randomNormal([n], 0, 3, 'float32', 3);
      const buffer = tf.randomNormal([n], 0, 2, 'float32', 4);
      for (const previous of [undefined, buffer]) {
        const [expectedW, expectedB] = reference(w, g, previous, 0.1, 0.9, 5e-4);
        installCpuKernels({ native });
        const before = tf.memory().numTensors;
        const next = sgdStep(w, g, previous, {
          learningRate: 0.1,
          momentum: 0.9,
          weightDecay: 5e-4,
        });
        expect(tf.memory().numTensors).toBe(before + 2);
        expect(next.weights.dataSync()).toEqual(expectedW);
        expect(next.buffer.dataSync()).toEqual(expectedB);
        tf.dispose([next.weights, next.buffer]);
      }
      tf.dispose([w, g, buffer]);
    },
  );

  it('without momentum or weight decay, takes the separate ops (bits of PyTorch-style updates)', () => {
    installCpuKernels();
    const w = tf.tensor1d([1, -2, 0]);
    const g = tf.tensor1d([-0, 0.25, 4]);
    const buffer = tf.tensor1d([1, 1, 1]);
    const plain = sgdStep(w, g, buffer, { learningRate: 0.5, momentum: 0, weightDecay: 0 });
    // Without momentum the buffer is the gradient itself, -0 included.
    expect(Object.is(plain.buffer.dataSync()[0], -0)).toBe(true);
    expect([...plain.weights.dataSync()]).toEqual([1, -2.125, -2]);
    tf.dispose([w, g, buffer, plain.weights, plain.buffer]);
  });
});
