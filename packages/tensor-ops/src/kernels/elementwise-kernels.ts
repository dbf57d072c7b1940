import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  type SumAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { createFusedBatchNormKernel } from './batch-norm-kernels.js';
import { takeFloats } from './buffer-pool.js';
import {
  type CpuBackendLike,
  floatValues,
  type KernelArguments,
  withFallback,
} from './cpu-backend.js';

import type { ElementwiseImplementation as Implementation } from './js-elementwise.js';

/** The shape without its leading ones. */
function significant(shape: readonly number[]): number[] {
  const first = shape.findIndex((dimension) => dimension !== 1);
  return first < 0 ? [] : shape.slice(first);
}

/** The add-on's layouts of a binary op (see `binary` in native/kernels.c). */
const SAME = 0;
const RIGHT_SCALAR = 1;
const LEFT_SCALAR = 2;
const RIGHT_CHANNEL = 3;
const LEFT_CHANNEL = 4;
const RIGHT_ROW = 5;
const LEFT_ROW = 6;

/**
 * How `a` and `b` line up with their broadcast output, when it is one of the add-on's layouts:
 * equal shapes, a scalar against a full operand, a per-channel (last-dimension) vector against a
 * full operand, as in batch normalisation and every optimiser update, or one value per row against
 * a full operand, as in l2 normalisation and softmax.
 */
function layoutOf(a: TensorInfo, b: TensorInfo): { layout: number; shape: number[] } | undefined {
  let shape: number[];
  try {
    shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  } catch {
    return undefined; // tfjs's kernel reports the mismatch
  }
  const aFull = util.arraysEqual(a.shape, shape);
  const bFull = util.arraysEqual(b.shape, shape);
  const size = util.sizeFromShape(shape);
  if (size === 0) return undefined;
  if (aFull && bFull) return { layout: SAME, shape };
  const channels = shape[shape.length - 1];
  const perChannel = (t: TensorInfo) => {
    const rest = significant(t.shape);
    return rest.length === 1 && rest[0] === channels;
  };
  if (aFull && util.sizeFromShape(b.shape) === 1) return { layout: RIGHT_SCALAR, shape };
  if (bFull && util.sizeFromShape(a.shape) === 1) return { layout: LEFT_SCALAR, shape };
  if (aFull && perChannel(b)) return { layout: RIGHT_CHANNEL, shape };
  if (bFull && perChannel(a)) return { layout: LEFT_CHANNEL, shape };
  // One value per row: the operand is the output's shape with a last dimension of 1, as a
  // reduction with keepDims leaves it (l2 normalisation, softmax).
  const perRow = (t: TensorInfo) =>
    shape.length >= 2 &&
    util.sizeFromShape(t.shape) === size / channels! &&
    util.arraysEqual(significant(t.shape), significant([...shape.slice(0, -1), 1]));
  if (aFull && perRow(b)) return { layout: RIGHT_ROW, shape };
  if (bFull && perRow(a)) return { layout: LEFT_ROW, shape };
  return undefined;
}

function binaryKernel(operation: number) {
  return (implementation: Implementation, fallback: KernelConfig) =>
    withFallback(fallback, ({ inputs }, backend) => {
      const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
      const aValues = floatValues(backend, a);
      const bValues = floatValues(backend, b);
      if (aValues === undefined || bValues === undefined) return undefined;
      const lined = layoutOf(a, b);
      if (lined === undefined) return undefined;
      const out = takeFloats(util.sizeFromShape(lined.shape));
      const channels = lined.shape.length === 0 ? 1 : lined.shape[lined.shape.length - 1]!;
      implementation.binary(operation, lined.layout, aValues, bValues, out, channels);
      return backend.makeTensorInfo(lined.shape, 'float32', out);
    });
}

/**
 * A sum or mean over every axis but the last (batch-norm statistics, the gradients of
 * per-channel operands) or over every axis, in one pass. tfjs's kernel first transposes the
 * reduced axes to the end, which costs more than the sum.
 */
function reductionKernel(mean: boolean) {
  return (implementation: Implementation, fallback: KernelConfig) =>
    withFallback(fallback, ({ inputs, attrs }, backend) => {
      const { x } = inputs as { x: TensorInfo };
      const { axis, keepDims } = attrs as unknown as SumAttrs;
      const values = floatValues(backend, x);
      const rank = x.shape.length;
      if (values === undefined || rank === 0 || values.length === 0) return undefined;
      const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
      const all = axes.length === rank && axes.every((a, i) => a === i);
      const leading = axes.length === rank - 1 && axes.every((a, i) => a === i);
      if (!all && !leading) return undefined;
      const channels = all ? 1 : x.shape[rank - 1]!;
      const out = new Float32Array(channels);
      implementation.channelSum(values, out, mean ? channels / values.length : 1);
      const shape = keepDims
        ? x.shape.map((d, i) => (all || i < rank - 1 ? 1 : d))
        : all
          ? []
          : [channels];
      return backend.makeTensorInfo(shape, 'float32', out);
    });
}

/** PReLU with one slope, or one per channel (iResNet's). */
function preluKernel(implementation: Implementation, fallback: KernelConfig): KernelConfig {
  return withFallback(fallback, ({ inputs }, backend) => {
    const { x, alpha } = inputs as { x: TensorInfo; alpha: TensorInfo };
    const xValues = floatValues(backend, x);
    const alphaValues = floatValues(backend, alpha);
    if (xValues === undefined || alphaValues === undefined || xValues.length === 0) {
      return undefined;
    }
    const channels = x.shape[x.shape.length - 1] ?? 1;
    const slopes = significant(alpha.shape);
    const fits = alphaValues.length === 1 || (slopes.length === 1 && slopes[0] === channels);
    if (!fits || alpha.shape.length > x.shape.length) return undefined;
    const out = takeFloats(xValues.length);
    implementation.prelu(xValues, alphaValues, out, channels);
    return backend.makeTensorInfo([...x.shape], 'float32', out);
  });
}

/** The name of the kernel computing both PReLU gradients in one pass (cpu backend only). */
export const PRELU_GRAD_KERNEL = 'BctkitPreluGrad';

/** `BctkitPreluGrad({x, alpha, dy}) -> [dx, dalpha]`, for alpha of one value or one per channel. */
export function createPreluGradKernel(implementation: Implementation): KernelConfig {
  const kernelFunc = ((args: KernelArguments) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const { x, alpha, dy } = args.inputs as { x: TensorInfo; alpha: TensorInfo; dy: TensorInfo };
    const xValues = floatValues(backend, x)!;
    const alphaValues = floatValues(backend, alpha)!;
    const dyValues = floatValues(backend, dy)!;
    const dx = takeFloats(xValues.length);
    const dalpha = new Float32Array(alphaValues.length);
    implementation.preluGrad(xValues, alphaValues, dyValues, dx, dalpha);
    return [
      backend.makeTensorInfo([...x.shape], 'float32', dx),
      backend.makeTensorInfo([...alpha.shape], 'float32', dalpha),
    ];
  }) as KernelFunc;
  return { kernelName: PRELU_GRAD_KERNEL, backendName: 'cpu', kernelFunc };
}

/** Whether {@link PRELU_GRAD_KERNEL} handles these operands (float32, per-channel or scalar). */
export function preluGradFits(x: TensorInfo, alpha: TensorInfo, dy: TensorInfo): boolean {
  if (x.dtype !== 'float32' || alpha.dtype !== 'float32' || dy.dtype !== 'float32') return false;
  if (!util.arraysEqual(x.shape, dy.shape) || util.sizeFromShape(x.shape) === 0) return false;
  const size = util.sizeFromShape(alpha.shape);
  if (size === 1) return true;
  const slopes = significant(alpha.shape);
  return slopes.length === 1 && slopes[0] === x.shape[x.shape.length - 1];
}

/** Element-wise kernels and reductions bctkit replaces (natively, or in JavaScript). */
export const ELEMENTWISE_KERNELS: Record<
  string,
  (implementation: Implementation, fallback: KernelConfig) => KernelConfig
> = {
  Add: binaryKernel(0),
  Sub: binaryKernel(1),
  Multiply: binaryKernel(2),
  RealDiv: binaryKernel(3),
  Sum: reductionKernel(false),
  Mean: reductionKernel(true),
  Prelu: preluKernel,
  FusedBatchNorm: createFusedBatchNormKernel,
};
