import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { installCpuKernels, uninstallCpuKernels } from './install-cpu-kernels.js';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
const CASES: {
  x: [number, number, number, number];
  filter: [number, number];
  out: number;
  stride: number;
  pad: Pad;
}[] = [
  { x: [2, 9, 9, 3], filter: [3, 3], out: 4, stride: 1, pad: 1 },
  { x: [2, 8, 8, 5], filter: [3, 3], out: 6, stride: 2, pad: 1 },
  { x: [1, 7, 6, 4], filter: [3, 3], out: 3, stride: 2, pad: 'same' },
  { x: [3, 7, 7, 2], filter: [1, 1], out: 8, stride: 2, pad: 'valid' },
  { x: [1, 10, 7, 3], filter: [5, 3], out: 2, stride: 1, pad: 'valid' },
  {
    x: [2, 6, 9, 2],
    filter: [3, 2],
    out: 3,
    stride: 3,
    pad: [
      [0, 0],
      [2, 1],
      [0, 1],
      [0, 0],
    ],
  },
];

function backpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filter: [number, number, number, number],
  stride: number,
  pad: Pad,
) {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: [stride, stride],
    pad,
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
    filterShape: filter,
  } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

afterAll(() => {
  uninstallCpuKernels();
  installCpuKernels();
});

describe('bctkit Conv2DBackpropFilter for the cpu backend', () => {
  it('gives tfjs own kernel results on strides, paddings, odd sizes and batch 1', () => {
    for (const [index, { x: shape, filter, out, stride, pad }] of CASES.entries()) {
      const filterShape: [number, number, number, number] = [...filter, shape[3], out];
      const x = tf.randomNormal(shape, 0, 1, 'float32', index + 1) as tf.Tensor4D;
      const probe = tf.conv2d(x, tf.zeros(filterShape) as tf.Tensor4D, stride, pad);
      const dy = tf.randomNormal(probe.shape, 0, 1, 'float32', index + 50) as tf.Tensor4D;
      uninstallCpuKernels();
      const expected = backpropFilter(x, dy, filterShape, stride, pad);
      expect(installCpuKernels({ native: false })).toContain('Conv2DBackpropFilter');
      const start = tf.memory().numTensors;
      const actual = backpropFilter(x, dy, filterShape, stride, pad);
      expect(tf.memory().numTensors).toBe(start + 1);
      expect(actual.shape).toEqual(filterShape);
      expectAllClose(actual.dataSync(), expected.dataSync(), {
        atol: 1e-4,
        rtol: 1e-4,
        message: `case ${index}`,
      });
      tf.dispose([x, probe, dy, expected, actual]);
    }
  });

  it('matches a hand-computed gradient', () => {
    installCpuKernels({ native: false });
    // 1x1 filter, stride 1, x = 1..4: dW[co] = sum over pixels of x * dy[co] = 10 * dy[co].
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const dy = tf.tensor4d([1, 2, 1, 2, 1, 2, 1, 2], [1, 2, 2, 2]); // channel 0: 1, channel 1: 2
    const dW = backpropFilter(x, dy, [1, 1, 1, 2], 1, 'valid');
    expect([...dW.dataSync()]).toEqual([10, 20]);
    tf.dispose([x, dy, dW]);
  });
});
