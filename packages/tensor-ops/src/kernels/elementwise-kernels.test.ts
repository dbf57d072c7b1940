import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuKernelStatus, installCpuKernels, uninstallCpuKernels } from './install-cpu-kernels.js';
import { nativeAddOn } from './native-kernels.js';

// bctkit's JavaScript versions always, the add-on's when it is built.
const IMPLEMENTATIONS = nativeAddOn().module === undefined ? [false] : [false, true];
const TOLERANCE = { atol: 1e-5, rtol: 1e-5 };

/**
 * Runs `body` with tfjs's own kernels, then with bctkit's JavaScript and (when built) native
 * ones; checks they agree and leak nothing.
 */
function agree(body: () => tf.Tensor[], label: string) {
  uninstallCpuKernels();
  const expected = tf.tidy(body);
  for (const native of IMPLEMENTATIONS) {
    installCpuKernels({ native });
    expect(cpuKernelStatus().native.length > 0).toBe(native);
    const before = tf.memory().numTensors;
    const actual = tf.tidy(body);
    expect(tf.memory().numTensors).toBe(before + actual.length);
    expect(actual.length).toBe(expected.length);
    for (const [index, tensor] of actual.entries()) {
      const message = `${label}, ${native ? 'native' : 'JavaScript'}, output ${index}`;
      expect(tensor.shape, message).toEqual(expected[index]!.shape);
      expect(tensor.dtype, message).toBe(expected[index]!.dtype);
      expectAllClose(tensor.dataSync(), expected[index]!.dataSync(), { ...TOLERANCE, message });
    }
    tf.dispose(actual);
  }
  tf.dispose(expected);
}

const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

afterAll(() => {
  uninstallCpuKernels();
  installCpuKernels();
});

describe('bctkit element-wise kernels (JavaScript and native) give tfjs own results', () => {
  const SHAPES: [string, number[], number[]][] = [
    ['equal shapes', [2, 3, 4, 5], [2, 3, 4, 5]],
    ['a scalar on the right', [2, 3, 4, 5], []],
    ['a scalar on the left', [], [3, 5]],
    ['a [1] operand', [4, 6], [1]],
    ['per channel on the right', [2, 3, 4, 5], [5]],
    ['per channel on the left', [1, 1, 5], [2, 3, 4, 5]],
    ['per row on the right', [2, 3, 4, 5], [2, 3, 4, 1]],
    ['per row on the left', [6, 1], [6, 7]],
    ['per row of a matrix, large (threaded)', [300, 130], [300, 1]],
    ['a broadcast the add-on leaves to tfjs', [4, 1], [1, 6]],
    ['another broadcast the add-on leaves to tfjs', [3, 4, 1], [4, 5]],
    ['rank 1', [7], [7]],
  ];
  it.each(SHAPES)('add, sub, mul, div and their gradients with %s', (_, aShape, bShape) => {
    const a = normal(aShape, 1);
    const b = tf.add(tf.abs(normal(bShape, 2)), 0.5); // away from zero for the division
    agree(() => {
      const outputs: tf.Tensor[] = [];
      for (const op of [tf.add, tf.sub, tf.mul, tf.div]) {
        const value = op(a, b);
        const dy = normal(value.shape, 3);
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(op(p, q), dy)))([
          a,
          b,
        ]);
        outputs.push(value, da!, db!);
      }
      return outputs;
    }, `${aShape} with ${bShape}`);
    tf.dispose([a, b]);
  });

  it.each(IMPLEMENTATIONS)('leaves integer tensors to tfjs (native: %s)', (native) => {
    installCpuKernels({ native });
    const sum = tf.add(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32'));
    expect(sum.dtype).toBe('int32');
    expect([...sum.dataSync()]).toEqual([4, 6]);
    sum.dispose();
  });

  it.each([
    [[0, 1, 2], false],
    [[0, 1, 2], true],
    [[0, 1, 2, 3], false],
    [[0, 1, 2, 3], true],
    [[-4, -3, -2], false],
    [[2, 0, 1], false],
    [[1, 2], false], // not leading: tfjs's kernel
    [[3], true], // the last axis: tfjs's kernel
    [null, false],
  ] as const)('sum and mean over axes %j (keepDims %s)', (axes, keepDims) => {
    const x = normal([3, 4, 5, 6], 4);
    agree(
      () => [
        tf.sum(x, axes === null ? undefined : [...axes], keepDims),
        tf.mean(x, axes === null ? undefined : [...axes], keepDims),
      ],
      `axes ${axes}`,
    );
    x.dispose();
  });

  it('sums a rank-1 tensor and a [rows, 1] matrix', () => {
    const v = normal([9], 5);
    const column = normal([9, 1], 6);
    agree(() => [tf.sum(v), tf.mean(v, 0), tf.sum(column, 0), tf.mean(column, 0, true)], 'rank 1');
    tf.dispose([v, column]);
  });

  it.each([
    ['per-channel slopes', [4]],
    ['one slope', [1]],
    ['a scalar slope', []],
    ['slopes shaped [1, 1, C]', [1, 1, 4]],
  ])('prelu and both its gradients with %s', (_, alphaShape) => {
    const x = normal([2, 3, 5, 4], 7);
    const alpha = tf.randomUniform(alphaShape, 0, 0.5, 'float32', 8);
    agree(() => {
      const y = tf.prelu(x, alpha);
      const dy = normal(y.shape, 9);
      const [dx, dalpha] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.prelu(p, q), dy)),
      )([x, alpha]);
      return [y, dx!, dalpha!];
    }, `prelu ${alphaShape}`);
    tf.dispose([x, alpha]);
  });

  it.each(IMPLEMENTATIONS)('prelu on hand-computed values (native: %s)', (native) => {
    installCpuKernels({ native });
    const x = tf.tensor2d([-2, 3, -4, 0], [2, 2]);
    const alpha = tf.tensor1d([0.5, 0.25]);
    const [y, [dx, dalpha]] = [
      tf.prelu(x as tf.Tensor, alpha as tf.Tensor),
      tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.prelu(p, q)))([x, alpha]),
    ];
    expect([...y.dataSync()]).toEqual([-1, 3, -2, 0]);
    // dx: slope where x <= 0, 1 where x > 0; dalpha: sum of x where x <= 0, per channel.
    expect([...dx!.dataSync()]).toEqual([0.5, 1, 0.5, 0.25]);
    expect([...dalpha!.dataSync()]).toEqual([-6, 0]);
    tf.dispose([x, alpha, y, dx!, dalpha!]);
  });

  it('prelu over many values of random sign (the vectorised, threaded path)', () => {
    const x = normal([2, 64, 64, 32], 10);
    const alpha = tf.randomUniform([32], 0, 0.5, 'float32', 11);
    agree(() => {
      const dy = normal(x.shape, 12);
      const [dx, dalpha] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.prelu(p, q), dy)),
      )([x, alpha]);
      return [tf.prelu(x, alpha), dx!, dalpha!];
    }, 'large prelu');
    tf.dispose([x, alpha]);
  });

  it.each(IMPLEMENTATIONS)(
    'prelu keeps an infinite x and a NaN gradient where tfjs does (native: %s)',
    (native) => {
      installCpuKernels({ native });
      const x = tf.tensor2d([Infinity, -1, 3, -2], [4, 1]);
      const alpha = tf.tensor1d([0.5]);
      const dy = tf.tensor2d([Number.NaN, 2, 1, 1], [4, 1]);
      const y = tf.prelu(x as tf.Tensor, alpha as tf.Tensor);
      const [dx, dalpha] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.prelu(p, q), dy)),
      )([x, alpha]);
      expect([...y.dataSync()]).toEqual([Infinity, -0.5, 3, -1]);
      // dx: dy where x > 0 (the NaN passes through), slope * dy elsewhere.
      expect([...dx!.dataSync()]).toEqual([Number.NaN, 1, 1, 0.5]);
      // dalpha sums dy * x where x <= 0: -1 * 2 + -2 * 1; the NaN dy at x = Infinity adds nothing.
      expect([...dalpha!.dataSync()]).toEqual([-4]);
      tf.dispose([x, alpha, dy, y, dx!, dalpha!]);
    },
  );

  it.each([
    ['per-channel statistics', [6], true],
    ['statistics shaped [1, 1, 1, C]', [1, 1, 1, 6], true],
    ['scalar statistics', [], true],
    ['no scale or offset', [6], false],
    ['statistics per position (left to tfjs)', [5, 6], true],
  ] as const)('inference batch norm with %s', (_, statShape, affine) => {
    const x = normal([2, 4, 5, 6], 13);
    const mean = normal([...statShape], 14);
    const variance = tf.add(tf.abs(normal([...statShape], 15)), 0.1);
    const scale = affine ? normal([...statShape], 16) : undefined;
    const offset = affine ? normal([...statShape], 17) : undefined;
    agree(() => [tf.batchNorm(x, mean, variance, offset, scale, 1e-3)], `batch norm ${statShape}`);
    tf.dispose([x, mean, variance, ...(affine ? [scale!, offset!] : [])]);
  });

  it.each(IMPLEMENTATIONS)(
    'inference batch norm on hand-computed values (native: %s)',
    (native) => {
      installCpuKernels({ native });
      // (x - mean) * scale / sqrt(variance + eps) + offset, eps 0: channel 0 (3 - 1) * 2 / 2 + 1 = 3.
      const y = tf.batchNorm(
        tf.tensor2d([3, 5, -1, 1], [2, 2]),
        tf.tensor1d([1, 1]),
        tf.tensor1d([4, 0.25]),
        tf.tensor1d([1, 0]),
        tf.tensor1d([2, 1]),
        0,
      );
      expect([...y.dataSync()]).toEqual([3, 8, -1, 0]);
      y.dispose();
    },
  );
});
