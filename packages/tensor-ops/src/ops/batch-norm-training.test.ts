import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { installCpuKernels, uninstallCpuKernels } from '../kernels/install-cpu-kernels.js';
import { nativeAddOn } from '../kernels/native-kernels.js';
import { batchNormTraining } from './batch-norm-training.js';

const EPSILON = 1e-5;

/** Output, statistics and the three gradients of a weighted sum of the output. */
function run(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, weights: tf.Tensor) {
  return tf.tidy(() => {
    const { output, mean, variance } = batchNormTraining(x, gamma, beta, EPSILON);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const inner = batchNormTraining(a, g, b, EPSILON);
      tf.dispose([inner.mean, inner.variance]); // kept out of tidy: the caller's to dispose
      return tf.sum(tf.mul(inner.output, weights));
    })([x, gamma, beta]);
    return [output, mean, variance, ...grads];
  });
}

afterAll(() => {
  uninstallCpuKernels();
  installCpuKernels();
});

describe('batchNormTraining', () => {
  it('normalises a hand-computed channel', () => {
    // One channel holding 1, 2, 3, 4: mean 2.5, biased variance 1.25.
    const x = tf.tensor2d([1, 2, 3, 4], [4, 1]);
    const { output, mean, variance } = batchNormTraining(x, tf.ones([1]), tf.zeros([1]), 0);
    expect(mean.dataSync()[0]).toBeCloseTo(2.5, 6);
    expect(variance.dataSync()[0]).toBeCloseTo(1.25, 6);
    const s = Math.sqrt(1.25);
    expectAllClose(output.dataSync(), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], { atol: 1e-6 });
    tf.dispose([x, output, mean, variance]);
  });

  it.each(nativeAddOn().module === undefined ? [false] : [false, true])(
    'keeps the variance of values far from zero (native: %s), against a float64 reference',
    (native) => {
      // Two channels around 1000 and -300 with spreads of 0.01 and 0.5: the mean is 10^5 and
      // 600 times the spread, where a sum of squares minus the squared mean cancels in float32.
      installCpuKernels({ native });
      const rows = 4096;
      const values = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        values[2 * r] = 1000 + 0.01 * Math.sin(r * 0.37);
        values[2 * r + 1] = -300 + 0.5 * Math.cos(r * 1.3);
      }
      const expected = [0, 1].map((c) => {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += values[2 * r + c]!;
        const m = sum / rows;
        let squares = 0;
        for (let r = 0; r < rows; r++) squares += (values[2 * r + c]! - m) ** 2;
        return { mean: m, variance: squares / rows };
      });
      const x = tf.tensor2d(values, [rows, 2]);
      const { output, mean, variance } = batchNormTraining(x, tf.ones([2]), tf.zeros([2]), 0);
      for (const c of [0, 1]) {
        expect(mean.dataSync()[c]!).toBeCloseTo(expected[c]!.mean, 3);
        expect(variance.dataSync()[c]! / expected[c]!.variance).toBeCloseTo(1, 3);
      }
      tf.dispose([x, output, mean, variance]);
    },
  );

  it('has the gradient of finite differences (tfjs ops or native, whichever is installed)', () => {
    const x = tf.randomNormal([3, 2, 2, 3], 1, 2, 'float32', 1);
    const gamma = tf.tensor1d([0.5, 1.5, -1]);
    const beta = tf.tensor1d([0.1, -0.2, 0.3]);
    const weights = tf.randomNormal([3, 2, 2, 3], 0, 1, 'float32', 2);
    const before = tf.memory().numTensors;
    const [, , , dx] = run(x, gamma, beta, weights);
    expect(tf.memory().numTensors).toBe(before + 6);
    const loss = (values: Float32Array) =>
      tf.tidy(() => {
        const { output, mean, variance } = batchNormTraining(
          tf.tensor(values, x.shape),
          gamma,
          beta,
          EPSILON,
        );
        tf.dispose([mean, variance]);
        return tf.sum(tf.mul(output, weights)).dataSync()[0]!;
      });
    const base = Float32Array.from(x.dataSync());
    const analytic = dx!.dataSync();
    for (const index of [0, 7, 20, 35]) {
      const step = 1e-2;
      const up = base.slice();
      up[index]! += step;
      const down = base.slice();
      down[index]! -= step;
      const numeric = (loss(up) - loss(down)) / (2 * step);
      expect(analytic[index]!).toBeCloseTo(numeric, 2);
    }
    tf.dispose([x, gamma, beta, weights, dx!]);
  });

  it.each(nativeAddOn().module === undefined ? [false] : [false, true])(
    'bctkit kernels (native: %s) agree with the tfjs-ops version, forward and backward',
    (native) => {
      for (const shape of [
        [4, 5, 6, 7],
        [9, 3],
        [2, 3, 3, 1],
      ]) {
        const channels = shape.at(-1)!;
        const x = tf.randomNormal(shape, 3, 2, 'float32', 3);
        const gamma = tf.randomNormal([channels], 1, 0.5, 'float32', 4);
        const beta = tf.randomNormal([channels], 0, 1, 'float32', 5);
        const weights = tf.randomNormal(shape, 0, 1, 'float32', 6);
        uninstallCpuKernels();
        const expected = run(x, gamma, beta, weights);
        installCpuKernels({ native });
        const actual = run(x, gamma, beta, weights);
        for (const [index, name] of ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].entries()) {
          expect(actual[index]!.shape).toEqual(expected[index]!.shape);
          expectAllClose(actual[index]!.dataSync(), expected[index]!.dataSync(), {
            atol: 1e-4,
            rtol: 1e-4,
            message: `${shape} ${name}`,
          });
        }
        tf.dispose([x, gamma, beta, weights, ...expected, ...actual]);
      }
    },
  );
});
