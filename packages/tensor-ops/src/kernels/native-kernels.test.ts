import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuKernelStatus, installCpuKernels, uninstallCpuKernels } from './install-cpu-kernels.js';
import { nativeAddOn } from './native-kernels.js';

// Without OpenBLAS's headers or a compiler the add-on is not built and these tests skip; CI
// installs libopenblas-dev and sets BCTKIT_EXPECT_NATIVE_KERNELS=1 so that cannot pass silently.
const available = nativeAddOn().module !== undefined;
// oneDNN behind the convolutions when the add-on was built with Debian's libdnnl-dev; CI installs
// it and sets BCTKIT_EXPECT_ONEDNN=1. Each convolution case runs on both paths then.
const addOnStatus = nativeAddOn().module?.nativeKernels;
const onednn = addOnStatus?.available ? addOnStatus.onednn : undefined;
const CONV_PATHS = onednn === undefined ? ['im2col'] : ['oneDNN', 'im2col'];

/** Runs `body` with oneDNN switched off for the add-on's convolutions when `path` is im2col. */
function onPath<T>(path: string, body: () => T): T {
  const saved = process.env.BCTKIT_ONEDNN;
  if (path === 'im2col') process.env.BCTKIT_ONEDNN = '0';
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.BCTKIT_ONEDNN;
    else process.env.BCTKIT_ONEDNN = saved;
  }
}
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: [number, number];
  pad: Pad;
  dilation?: [number, number];
}
/** One pixel of padding on each side, as PyTorch pads a 3 x 3 convolution. */
const PAD_1: Pad = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];
const CONV_CASES: ConvCase[] = [
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], stride: [1, 1], pad: 'same' },
  { x: [3, 8, 8, 5], filter: [3, 3, 5, 6], stride: [2, 2], pad: 'same' },
  { x: [1, 7, 6, 4], filter: [3, 3, 4, 3], stride: [2, 2], pad: 'valid' },
  { x: [3, 7, 7, 2], filter: [1, 1, 2, 8], stride: [2, 2], pad: 'valid' },
  { x: [2, 5, 5, 7], filter: [1, 1, 7, 3], stride: [1, 1], pad: 'valid' },
  { x: [1, 10, 7, 3], filter: [5, 3, 3, 2], stride: [1, 2], pad: 'valid' },
  { x: [1, 11, 9, 2], filter: [3, 3, 2, 3], stride: [1, 1], pad: 'same', dilation: [2, 2] },
  {
    x: [2, 6, 9, 2],
    filter: [3, 2, 2, 3],
    stride: [3, 3],
    pad: [
      [0, 0],
      [2, 1],
      [0, 1],
      [0, 0],
    ],
  },
  {
    x: [2, 12, 12, 3],
    filter: [3, 3, 3, 5],
    stride: [1, 1],
    pad: PAD_1,
  },
  // iResNet's shapes at a small size: channel counts oneDNN blocks by 16, a strided 3x3 with
  // padding 1, and the strided 1x1 of a downsampling shortcut.
  {
    x: [2, 14, 14, 32],
    filter: [3, 3, 32, 64],
    stride: [2, 2],
    pad: PAD_1,
  },
  { x: [2, 14, 14, 32], filter: [1, 1, 32, 64], stride: [2, 2], pad: 'valid' },
  // A strided 3x3 on an image of 48 x 48 or more: oneDNN's filter gradient works on blocked
  // copies of the image and output gradient there.
  {
    x: [2, 50, 48, 16],
    filter: [3, 3, 16, 32],
    stride: [2, 2],
    pad: PAD_1,
  },
  { x: [3, 7, 7, 48], filter: [3, 3, 48, 40], stride: [1, 1], pad: 'same' },
];

/** Runs `body` with tfjs's own kernels, then with the native ones, and returns both results. */
function bothWays<T extends tf.Tensor | tf.Tensor[]>(body: () => T): { js: T; native: T } {
  uninstallCpuKernels();
  const js = tf.tidy(body);
  expect(installCpuKernels({ native: true })).toContain('Conv2D');
  const before = tf.memory().numTensors;
  const native = tf.tidy(body);
  const made = Array.isArray(native) ? native.length : 1;
  expect(tf.memory().numTensors).toBe(before + made);
  return { js, native };
}

function close(actual: tf.Tensor, expected: tf.Tensor, message: string) {
  expect(actual.shape, message).toEqual(expected.shape);
  expectAllClose(actual.dataSync(), expected.dataSync(), { ...TOLERANCE, message });
}

afterAll(() => {
  uninstallCpuKernels();
  installCpuKernels();
});

describe('the native add-on', () => {
  it('is available where CI expects it, or says why not', () => {
    if (process.env.BCTKIT_EXPECT_NATIVE_KERNELS === '1') expect(available).toBe(true);
    if (!available) expect(nativeAddOn().reason?.length).toBeGreaterThan(0);
  });

  it('is switched off by BCTKIT_NATIVE_KERNELS=0', () => {
    const saved = process.env.BCTKIT_NATIVE_KERNELS;
    process.env.BCTKIT_NATIVE_KERNELS = '0';
    try {
      expect(nativeAddOn()).toEqual({
        reason: 'BCTKIT_NATIVE_KERNELS=0 is set',
        enable: 'unset BCTKIT_NATIVE_KERNELS',
      });
      expect(installCpuKernels()).toContain('Conv2DBackpropFilter');
      expect(cpuKernelStatus()).toMatchObject({
        native: [],
        javascript: [
          'Add',
          'Sub',
          'Multiply',
          'RealDiv',
          'Sum',
          'Mean',
          'Prelu',
          'FusedBatchNorm',
          'Conv2DBackpropFilter',
        ],
        nativeUnavailable: 'BCTKIT_NATIVE_KERNELS=0 is set',
      });
    } finally {
      if (saved === undefined) delete process.env.BCTKIT_NATIVE_KERNELS;
      else process.env.BCTKIT_NATIVE_KERNELS = saved;
    }
  });
});

describe.skipIf(!available)('native kernels give tfjs own results', () => {
  it('reports the native kernels as installed', () => {
    installCpuKernels();
    expect(cpuKernelStatus().native).toEqual([
      'Add',
      'Sub',
      'Multiply',
      'RealDiv',
      'Sum',
      'Mean',
      'Prelu',
      'FusedBatchNorm',
      'Conv2D',
      'FusedConv2D',
      'Conv2DBackpropInput',
      'Conv2DBackpropFilter',
      'DepthwiseConv2dNative',
      'FusedDepthwiseConv2D',
      'Transpose',
      'Relu',
      'Abs',
      'BatchMatMul',
      '_FusedMatMul',
    ]);
  });

  it('uses oneDNN where CI expects it', () => {
    if (process.env.BCTKIT_EXPECT_ONEDNN === '1') expect(onednn).toMatch(/^\d+\.\d+/);
  });

  it.each(CONV_PATHS.flatMap((path) => CONV_CASES.map((c, index) => [index, path, c] as const)))(
    'conv2d case %i on %s: forward, input gradient and filter gradient',
    (index, path, { x: xShape, filter: filterShape, stride, pad, dilation }) => {
      const x = tf.randomNormal(xShape, 0, 1, 'float32', index + 1) as tf.Tensor4D;
      const filter = tf.randomNormal(filterShape, 0, 1, 'float32', index + 20) as tf.Tensor4D;
      const run = () => {
        const forward = tf.conv2d(x, filter, stride, pad, 'NHWC', dilation ?? 1);
        if (dilation !== undefined) return [forward]; // tfjs has no gradient for dilated conv2d
        const dy = tf.randomNormal(forward.shape, 0, 1, 'float32', index + 40);
        const [dx, dw] = tf.grads((a: tf.Tensor, w: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, stride, pad), dy)),
        )([x, filter]);
        return [forward, dx!, dw!];
      };
      const { js, native } = onPath(path, () => bothWays(run));
      for (const [at, name] of ['forward', 'dx', 'dfilter'].entries()) {
        if (js[at] === undefined) continue;
        close(native[at]!, js[at]!, `case ${index} ${name}`);
      }
      tf.dispose([x, filter, ...js, ...native]);
    },
  );

  // Straight to the add-on, with outputs pre-filled with NaN (pooled buffers hold old values) and
  // guard values on both sides: every output value is written, nothing past the end. The 1x1
  // stride-2 case of 8 channels at 56 x 56 once made oneDNN write past the input gradient.
  it.each(
    CONV_PATHS.flatMap((path) =>
      [
        ...CONV_CASES,
        { x: [64, 56, 56, 8], filter: [1, 1, 8, 8], stride: [2, 2], pad: 'valid' } as ConvCase,
      ].map((c, index) => [index, path, c] as const),
    ),
  )('conv2d case %i on %s writes every output value and nothing beyond', (index, path, c) => {
    if (c.dilation !== undefined) return; // no gradients to compare for dilated convolutions
    const addOn = nativeAddOn().module!;
    const x = tf.randomNormal(c.x, 0, 1, 'float32', index + 60) as tf.Tensor4D;
    const filter = tf.randomNormal(c.filter, 0, 1, 'float32', index + 61) as tf.Tensor4D;
    uninstallCpuKernels();
    const forward = tf.conv2d(x, filter, c.stride, c.pad);
    const dy = tf.randomNormal(forward.shape, 0, 1, 'float32', index + 62);
    const [dx, dw] = tf.grads((a: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad), dy)),
    )([x, filter]);
    installCpuKernels();
    const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad);
    const geometry = Int32Array.from([
      ...[info.batchSize, info.inHeight, info.inWidth, info.inChannels],
      ...[info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth],
      ...[info.strideHeight, info.strideWidth, 1, 1, info.padInfo.top, info.padInfo.left],
    ]);
    const GUARD = 64;
    const guarded = (length: number) => {
      const whole = new Float32Array(length + 2 * GUARD).fill(7);
      whole.fill(Number.NaN, GUARD, GUARD + length);
      return { whole, inside: whole.subarray(GUARD, GUARD + length) };
    };
    const outputs = [guarded(forward.size), guarded(x.size), guarded(filter.size)];
    const [xs, ws, dys] = [x, filter, dy].map((t) => t.dataSync() as Float32Array);
    onPath(path, () => {
      addOn.conv2d(xs!, ws!, outputs[0]!.inside, geometry);
      addOn.conv2dBackpropInput(dys!, ws!, outputs[1]!.inside, geometry);
      addOn.conv2dBackpropFilter(xs!, dys!, outputs[2]!.inside, geometry);
    });
    for (const [at, expected] of [forward, dx!, dw!].entries()) {
      const { whole, inside } = outputs[at]!;
      const message = `case ${index} on ${path}, output ${at}`;
      expect(
        whole.subarray(0, GUARD).every((v) => v === 7),
        message,
      ).toBe(true);
      expect(
        whole.subarray(GUARD + inside.length).every((v) => v === 7),
        message,
      ).toBe(true);
      expectAllClose(inside, expected.dataSync(), { ...TOLERANCE, message });
    }
    tf.dispose([x, filter, forward, dy, dx!, dw!]);
  });

  it.each([
    ['relu', 'per-channel bias'],
    ['prelu', 'per-channel bias and weights'],
    ['linear', 'scalar bias'],
    ['leakyrelu', 'no bias'],
    ['elu', 'per-channel bias'],
    ['relu6', 'per-channel bias'],
    ['sigmoid', 'per-channel bias'],
    ['prelu', 'per-channel bias, one weight, 32 channels'],
    ['prelu', 'per-channel bias and weights, 32 channels'],
    ['relu', 'per-value bias'],
    ['leakyrelu', 'scalar bias, 32 channels'],
  ] as const)('fused conv2d with %s and %s', (activation, biasKind) => {
    // Wide cases take oneDNN's blocked kernels with the bias and activation inside them.
    const [inC, outC, side] = biasKind.endsWith('32 channels') ? [16, 32, 9] : [3, 4, 6];
    const x = tf.randomNormal([2, side, side, inC], 0, 2, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([3, 3, inC, outC], 0, 1, 'float32', 2) as tf.Tensor4D;
    const bias = biasKind.startsWith('no bias')
      ? undefined
      : biasKind.startsWith('scalar bias')
        ? tf.scalar(0.3)
        : biasKind.startsWith('per-value bias')
          ? tf.randomNormal([2, side, side, outC], 0, 1, 'float32', 3)
          : tf.randomNormal([outC], 0, 1, 'float32', 3);
    const weights =
      activation !== 'prelu'
        ? undefined
        : biasKind.includes('one weight')
          ? tf.scalar(0.2)
          : tf.randomUniform([outC], 0, 0.5, 'float32', 4);
    const { js, native } = bothWays(() =>
      tf.fused.conv2d({
        x,
        filter,
        strides: 1,
        pad: 'same',
        bias,
        activation,
        preluActivationWeights: weights,
        leakyreluAlpha: 0.1,
      }),
    );
    close(native, js, `${activation}, ${biasKind}`);
    tf.dispose([x, filter, js, native]);
    if (bias) bias.dispose();
    if (weights) weights.dispose();
  });

  it.each([
    { x: [2, 9, 9, 8], filter: [3, 3, 8, 1], stride: 1, pad: 'same' },
    { x: [2, 14, 14, 16], filter: [3, 3, 16, 1], stride: 2, pad: 'same' },
    { x: [1, 7, 6, 5], filter: [3, 3, 5, 1], stride: 2, pad: 'valid' },
    { x: [3, 7, 7, 24], filter: [7, 7, 24, 1], stride: 1, pad: 'valid' },
    { x: [1, 11, 9, 4], filter: [3, 3, 4, 1], stride: 1, pad: 'same', dilation: 2 },
    {
      x: [2, 8, 8, 4],
      filter: [3, 3, 4, 1],
      stride: 2,
      pad: [
        [0, 0],
        [1, 1],
        [1, 0],
        [0, 0],
      ],
    },
    { x: [2, 6, 6, 3], filter: [3, 3, 3, 2], stride: 1, pad: 'same' }, // multiplier 2: tfjs's
  ] as const)('depthwise conv2d $x with $filter, stride $stride, pad $pad', (c) => {
    const x = tf.randomNormal([...c.x], 0, 1, 'float32', 30) as tf.Tensor4D;
    const filter = tf.randomNormal([...c.filter], 0, 1, 'float32', 31) as tf.Tensor4D;
    const pad = typeof c.pad === 'string' ? c.pad : (c.pad.map((p) => [...p]) as Pad & number[][]);
    const dilation = 'dilation' in c ? c.dilation : 1;
    const { js, native } = bothWays(() =>
      tf.depthwiseConv2d(x, filter, c.stride, pad, 'NHWC', dilation),
    );
    close(native, js, 'depthwise');
    tf.dispose([x, filter, js, native]);
  });

  it.each([
    ['relu', 'per-channel bias'],
    ['prelu', 'per-channel bias and weights'],
    ['linear', 'no bias'],
    ['relu6', 'scalar bias'],
    ['elu', 'per-channel bias'],
    ['sigmoid', 'per-channel bias'],
    ['leakyrelu', 'per-channel bias'],
  ] as const)('fused depthwise conv2d with %s and %s', (activation, biasKind) => {
    const x = tf.randomNormal([2, 10, 10, 6], 0, 2, 'float32', 32) as tf.Tensor4D;
    const filter = tf.randomNormal([3, 3, 6, 1], 0, 1, 'float32', 33) as tf.Tensor4D;
    const bias =
      biasKind === 'no bias'
        ? undefined
        : biasKind === 'scalar bias'
          ? tf.scalar(0.3)
          : tf.randomNormal([6], 0, 1, 'float32', 34);
    const weights =
      activation === 'prelu' ? tf.randomUniform([6], 0, 0.5, 'float32', 35) : undefined;
    const { js, native } = bothWays(() =>
      tf.fused.depthwiseConv2d({
        x,
        filter,
        strides: 2,
        pad: 'same',
        bias,
        activation,
        preluActivationWeights: weights,
        leakyreluAlpha: 0.1,
      }),
    );
    close(native, js, `${activation}, ${biasKind}`);
    tf.dispose([x, filter, js, native, ...(bias ? [bias] : []), ...(weights ? [weights] : [])]);
  });

  it('conv2dFused applies bias and activation inside oneDNN, or declines and leaves y alone', () => {
    const native = nativeAddOn().module!;
    // 1 image of 2 x 2 x 1, a 1x1 filter [2, -1] to two channels: y = x * 2 and x * -1.
    const geometry = Int32Array.from([1, 2, 2, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0]);
    const x = Float32Array.from([1, -2, 3, -4]);
    const filter = Float32Array.from([2, -1]);
    const bias = Float32Array.from([0.5, 0]);
    const slopes = Float32Array.from([0.25, 0.5]);
    const y = new Float32Array(8).fill(7);
    const done = onPath('im2col', () =>
      native.conv2dFused(x, filter, y, geometry, bias, 4, slopes, 0),
    );
    expect(done).toBe(false);
    expect([...y]).toEqual(new Array(8).fill(7));
    if (onednn === undefined) return;
    // PReLU: inside the kernel where oneDNN has a fast one, else in one pass after it.
    expect(native.conv2dFused(x, filter, y, geometry, bias, 4, slopes, 0)).toBe(true);
    // channel 0: 2x + 0.5 -> 2.5, -3.5 * 0.25, 6.5, -7.5 * 0.25; channel 1: -x, slope 0.5
    expect([...y]).toEqual([2.5, -0.5, -0.875, 2, 6.5, -1.5, -1.875, 4]);
    // Leaky ReLU with slope 0.25 on both channels, inside the kernel.
    expect(native.conv2dFused(x, filter, y, geometry, bias, 3, new Float32Array(0), 0.25)).toBe(
      true,
    );
    expect([...y]).toEqual([2.5, -0.25, -0.875, 2, 6.5, -0.75, -1.875, 4]);
    expect(() => native.conv2dFused(x, filter, y, geometry, bias, 2, slopes, 0)).toThrow(
      'activation must be 0 (linear), 1 (relu), 3 (leaky relu) or 4 (prelu)',
    );
    expect(() =>
      native.conv2dFused(x, filter, y, geometry, new Float32Array(3), 1, slopes, 0),
    ).toThrow('bias has 3 values, expected 2');
  });

  it('relu and abs over many values, with NaN, infinities and signed zeros', () => {
    const special = [Number.NaN, Infinity, -Infinity, -0, 0, -1.5, 2.5];
    const x = tf.concat([
      tf.tensor1d(special),
      tf.reshape(tf.randomNormal([300, 128], 0, 1, 'float32', 36), [-1]),
    ]);
    const { js, native } = bothWays(() => [tf.relu(x), tf.abs(x)]);
    close(native[0]!, js[0]!, 'relu');
    close(native[1]!, js[1]!, 'abs');
    expect([...native[0]!.dataSync().slice(0, 7)]).toEqual([
      Number.NaN,
      Infinity,
      0,
      -0,
      0,
      0,
      2.5,
    ]);
    expect([...native[1]!.dataSync().slice(0, 7)]).toEqual([
      Number.NaN,
      Infinity,
      Infinity,
      0,
      0,
      1.5,
      2.5,
    ]);
    tf.dispose([x, ...js, ...native]);
  });

  it.each([
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[4, 5, 7], [4, 7, 3], false, false],
    [[4, 7, 5], [1, 3, 7], true, true],
    [[1, 5, 7], [4, 7, 3], false, false],
    [[4, 5, 7], [7, 3], false, false],
    [[2, 3, 5, 7], [2, 3, 7, 2], false, false],
    [[1, 1], [1, 9], false, false],
  ] as const)('matMul %j x %j (transposes %s, %s) and its gradients', (aShape, bShape, ta, tb) => {
    const a = tf.randomNormal([...aShape], 0, 1, 'float32', 5);
    const b = tf.randomNormal([...bShape], 0, 1, 'float32', 6);
    const { js, native } = bothWays(() => {
      const product = tf.matMul(a, b, ta, tb);
      // tfjs's BatchMatMul gradient does not reduce over broadcast batch dimensions.
      if (aShape.length !== bShape.length || aShape[0] !== bShape[0]) return [product];
      const dy = tf.randomNormal(product.shape, 0, 1, 'float32', 7);
      const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.matMul(p, q, ta, tb), dy)),
      )([a, b]);
      return [product, da!, db!];
    });
    for (const [at, name] of ['product', 'da', 'db'].entries()) {
      if (js[at] !== undefined) close(native[at]!, js[at]!, name);
    }
    tf.dispose([a, b, ...js, ...native]);
  });

  it.each([
    [
      [4, 7, 7, 512],
      [0, 3, 1, 2],
    ],
    [
      [4, 512, 7, 7],
      [0, 2, 3, 1],
    ],
    [[5], [0]],
    [
      [3, 4],
      [1, 0],
    ],
    [
      [2, 3, 4],
      [0, 1, 2],
    ],
    [
      [2, 1, 3, 1, 4],
      [4, 1, 0, 3, 2],
    ],
    [
      [3, 4, 5, 2, 3, 2],
      [5, 3, 1, 0, 4, 2],
    ],
    [
      [7, 1, 9],
      [2, 0, 1],
    ],
    [
      [4, 300, 65],
      [0, 2, 1],
    ],
  ] as const)('transpose %j by %j, exactly as tfjs, and its gradient', (shape, perm) => {
    const x = tf.randomNormal([...shape], 0, 1, 'float32', 11);
    const dy = tf.randomNormal(
      perm.map((axis) => shape[axis]!),
      0,
      1,
      'float32',
      12,
    );
    const { js, native } = bothWays(() => {
      const y = tf.transpose(x, [...perm]);
      const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.transpose(input, [...perm]), dy)))(
        x,
      );
      return [y, dx];
    });
    expect(native[0]!.shape).toEqual(js[0]!.shape);
    expect(native[0]!.dataSync()).toEqual(js[0]!.dataSync());
    expect(native[1]!.dataSync()).toEqual(js[1]!.dataSync());
    tf.dispose([x, dy, ...js, ...native]);
  });

  it('transposes a hand-written array', () => {
    installCpuKernels({ native: true });
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
    // y[k][i][j] = x[i][j][k]
    const y = tf.transpose(x, [2, 0, 1]);
    expect(y.shape).toEqual([2, 2, 3]);
    expect([...y.dataSync()]).toEqual([1, 3, 5, 7, 9, 11, 2, 4, 6, 8, 10, 12]);
    tf.dispose([x, y]);
  });

  it('fused matMul with bias and relu', () => {
    const a = tf.randomNormal([6, 4], 0, 1, 'float32', 8) as tf.Tensor2D;
    const b = tf.randomNormal([4, 5], 0, 1, 'float32', 9) as tf.Tensor2D;
    const bias = tf.randomNormal([5], 0, 1, 'float32', 10);
    const { js, native } = bothWays(() => tf.fused.matMul({ a, b, bias, activation: 'relu' }));
    close(native, js, 'fused matMul');
    tf.dispose([a, b, bias, js, native]);
  });

  it('matches a hand-computed convolution', () => {
    installCpuKernels({ native: true });
    // 3x3 image 1..9, 2x2 filter of ones, valid: sums of each 2x2 window.
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = tf.conv2d(x, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 1, 'valid');
    expect([...y.dataSync()]).toEqual([12, 16, 24, 28]);
    tf.dispose([x, y]);
  });

  it('leaves other dtypes and empty tensors to tfjs', () => {
    installCpuKernels({ native: true });
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    const product = tf.matMul(a, a);
    expect([...product.dataSync()]).toEqual([7, 10, 15, 22]);
    const empty = tf.matMul(tf.zeros([0, 3]), tf.zeros([3, 2]));
    expect(empty.shape).toEqual([0, 2]);
    tf.dispose([a, product, empty]);
  });
});

describe.skipIf(!available)('the add-on rejects arrays that do not fit', () => {
  it('names the array and the sizes', async () => {
    const native = nativeAddOn().module!;
    const geometry = Int32Array.from([1, 3, 3, 1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 0, 0]);
    expect(() =>
      native.conv2d(new Float32Array(8), new Float32Array(4), new Float32Array(4), geometry),
    ).toThrow('x has 8 values, expected 9');
    expect(() =>
      native.conv2d(
        new Float64Array(9) as unknown as Float32Array,
        new Float32Array(4),
        new Float32Array(4),
        geometry,
      ),
    ).toThrow('x must be a Float32Array');
    expect(() =>
      native.matmul(
        new Float32Array(6),
        new Float32Array(6),
        new Float32Array(4),
        1,
        1,
        2,
        2,
        3,
        false,
        false,
      ),
    ).not.toThrow();
    expect(() =>
      native.matmul(
        new Float32Array(6),
        new Float32Array(6),
        new Float32Array(4),
        2,
        3,
        2,
        2,
        3,
        false,
        false,
      ),
    ).toThrow('batch sizes must be equal or one of them 1');
    const [x, out] = [new Float32Array(6), new Float32Array(6)];
    expect(() =>
      native.transpose(x, Int32Array.from([2, 3]), Int32Array.from([0, 0]), out),
    ).toThrow('perm must be a permutation of the axes of shape');
    expect(() => native.transpose(x, Int32Array.from([2, 3]), Int32Array.from([1]), out)).toThrow(
      'perm must be a permutation',
    );
    expect(() =>
      native.transpose(x, Int32Array.from([2, 4]), Int32Array.from([1, 0]), out),
    ).toThrow('x has 6 values, expected 8');
    expect(() =>
      native.transpose(x, Int32Array.from(new Array(9).fill(1)), Int32Array.from([1, 0]), out),
    ).toThrow('shape must be an Int32Array of at most 8 values');
  });
});
