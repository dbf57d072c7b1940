import {
  type BatchMatMulAttrs,
  backend_util,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeAttrs,
  type FusedConv2DAttrs,
  type FusedDepthwiseConv2DAttrs,
  type _FusedMatMulAttrs as FusedMatMulAttrs,
  type KernelConfig,
  type TensorInfo,
  type TransposeAttrs,
  util,
} from '@tensorflow/tfjs-core';
import { takeFloats } from './buffer-pool.js';
import { type CpuBackendLike, floatValues, withFallback } from './cpu-backend.js';

/** The add-on's functions (the optional package `@bctkit/tensor-ops-native`). */
type NativeModule = typeof import('@bctkit/tensor-ops-native');

/** The add-on, or why it is unavailable and the one command that makes it available. */
export interface AddOnState {
  readonly module?: NativeModule;
  readonly reason?: string;
  readonly enable?: string;
}

async function loadAddOn(): Promise<AddOnState> {
  try {
    const module = await import('@bctkit/tensor-ops-native');
    const status = module.nativeKernels;
    if (status.available) return { module };
    const needsOpenBlas = /libopenblas-dev/.test(status.reason);
    return {
      reason: `@bctkit/tensor-ops-native: ${status.reason}`,
      enable: `${needsOpenBlas ? 'apt-get install libopenblas-dev && ' : ''}${status.rebuild}`,
    };
  } catch {
    return {
      reason: 'the optional package @bctkit/tensor-ops-native is not installed',
      enable: 'apt-get install libopenblas-dev && npm install @bctkit/tensor-ops-native',
    };
  }
}

const addOn = await loadAddOn();

/** The add-on when it is installed, built and not switched off by `BCTKIT_NATIVE_KERNELS=0`. */
export function nativeAddOn(): AddOnState {
  if (process.env.BCTKIT_NATIVE_KERNELS === '0') {
    return { reason: 'BCTKIT_NATIVE_KERNELS=0 is set', enable: 'unset BCTKIT_NATIVE_KERNELS' };
  }
  return addOn;
}

/** The add-on's 15-value description of a convolution. */
function geometry(info: backend_util.Conv2DInfo): Int32Array | undefined {
  const values = [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
  // Empty tensors and negative paddings stay with tfjs's kernels.
  const usable = values.every((value, index) => (index < 13 ? value > 0 : value >= 0));
  return usable ? Int32Array.from(values) : undefined;
}

/**
 * What a fused kernel adds after its product: bias, then activation, over values whose last
 * dimension has `channels` entries, as the add-on's `biasActivation` takes them. A bias or PReLU
 * weight broadcast other than per value, per channel or as one scalar has none (tfjs's kernel
 * then does the whole op).
 */
interface Epilogue {
  readonly bias: Float32Array;
  /** -1 none, 0 one value, 1 one per channel, 2 one per value. */
  readonly biasKind: number;
  /** The add-on's activation code ({@link ACTIVATIONS}). */
  readonly activation: number;
  /** PReLU's slopes (empty for other activations), spread as `weightsKind` says. */
  readonly weights: Float32Array;
  readonly weightsKind: number;
  readonly leakyAlpha: number;
  readonly channels: number;
}

/** Applies `epilogue` in place to a product's output. */
function applyEpilogue(native: NativeModule, epilogue: Epilogue, values: Float32Array): void {
  const { bias, biasKind, activation, weights, weightsKind, leakyAlpha, channels } = epilogue;
  native.biasActivation(
    values,
    bias,
    biasKind,
    activation,
    weights,
    weightsKind,
    leakyAlpha,
    channels,
  );
}

/** How `weights` spreads over an output of `shape`: 0 scalar, 1 per channel, 2 per value. */
function broadcastKind(weights: TensorInfo, shape: readonly number[]): 0 | 1 | 2 | undefined {
  const size = util.sizeFromShape(weights.shape);
  if (size === 1) return 0;
  const significant = weights.shape.slice(weights.shape.findIndex((d) => d !== 1));
  if (significant.length === 1 && significant[0] === shape[shape.length - 1]) return 1;
  if (util.arraysEqual(weights.shape, [...shape])) return 2;
  return undefined;
}

/** The add-on's activation codes (see `biasActivation` in native/graph-ops.c). */
const ACTIVATIONS: Record<string, number> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leakyrelu: 3,
  prelu: 4,
  elu: 5,
  sigmoid: 6,
};

const NONE = new Float32Array(0);

function createEpilogue(
  backend: CpuBackendLike,
  shape: readonly number[],
  bias: TensorInfo | undefined,
  activation: string | undefined,
  preluWeights: TensorInfo | undefined,
  leakyAlpha: number | undefined,
): Epilogue | undefined {
  const biasValues = floatValues(backend, bias);
  const biasKind = bias === undefined ? -1 : broadcastKind(bias, shape);
  if (bias !== undefined && (biasValues === undefined || biasKind === undefined)) return undefined;
  const act = ACTIVATIONS[activation ?? 'linear'];
  if (act === undefined) return undefined;
  const preluValues = floatValues(backend, preluWeights);
  const preluKind = preluWeights === undefined ? -1 : broadcastKind(preluWeights, shape);
  if (
    activation === 'prelu' &&
    (preluValues === undefined || preluKind === undefined || preluKind < 0)
  )
    return undefined;
  return {
    bias: biasValues ?? NONE,
    biasKind: biasKind!,
    activation: act,
    weights: activation === 'prelu' ? preluValues! : NONE,
    weightsKind: activation === 'prelu' ? preluKind! : -1,
    leakyAlpha: leakyAlpha ?? 0.2,
    channels: shape[shape.length - 1]!,
  };
}

/**
 * The epilogue of a fused tfjs kernel (`FusedConv2D`, `FusedDepthwiseConv2D`, `_FusedMatMul`),
 * from its optional `bias` and `preluActivationWeights` inputs and its activation attributes.
 */
function fusedEpilogue(
  backend: CpuBackendLike,
  inputs: object,
  attrs: { activation?: string; leakyreluAlpha?: number },
): (shape: number[]) => Epilogue | undefined {
  const { bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined>;
  return (shape) =>
    createEpilogue(
      backend,
      shape,
      bias,
      attrs.activation,
      preluActivationWeights,
      attrs.leakyreluAlpha,
    );
}

/** The activations oneDNN applies inside a convolution's kernel (conv2dFused). */
const IN_KERNEL = new Set([
  ACTIVATIONS.linear,
  ACTIVATIONS.relu,
  ACTIVATIONS.leakyrelu,
  ACTIVATIONS.prelu,
]);

/**
 * The convolution with its epilogue inside oneDNN's kernel (`conv2dFused`) when the epilogue's
 * operands allow it (bias and slopes one value or one per channel; linear, relu, leaky relu or
 * prelu). False, `y` untouched, when they do not or oneDNN declines.
 */
function convolveFused(
  native: NativeModule,
  x: Float32Array,
  filter: Float32Array,
  y: Float32Array,
  shape: Int32Array,
  epilogue: Epilogue,
): boolean {
  const { bias, biasKind, activation, weights, weightsKind, leakyAlpha, channels } = epilogue;
  if (biasKind === 2 || weightsKind === 2 || !IN_KERNEL.has(activation)) return false;
  const perChannel = biasKind === 0 ? new Float32Array(channels).fill(bias[0]!) : bias;
  return native.conv2dFused(x, filter, y, shape, perChannel, activation, weights, leakyAlpha);
}

type Conv4 = [number, number, number, number];

/**
 * A channels-last convolution's shape information and the add-on's geometry for it, or undefined
 * when the add-on does not take it (NCHW, empty tensors, negative paddings).
 */
function convolution(
  imageShape: readonly number[],
  filterShape: readonly number[],
  attrs: Pick<Conv2DAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'>,
  dilations: Conv2DAttrs['dilations'],
): { info: backend_util.Conv2DInfo; shape: Int32Array } | undefined {
  if (attrs.dataFormat !== 'NHWC') return undefined;
  const info = backend_util.computeConv2DInfo(
    imageShape as Conv4,
    filterShape as Conv4,
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const shape = geometry(info);
  return shape === undefined ? undefined : { info, shape };
}

/**
 * A forward convolution (plain or fused) through the add-on, or undefined to fall back. A fused
 * one has its bias and activation applied inside oneDNN's kernel when oneDNN takes them, else by
 * the separate epilogue pass.
 */
function nativeConv(
  native: NativeModule,
  backend: CpuBackendLike,
  inputs: { x: TensorInfo; filter: TensorInfo },
  attrs: Conv2DAttrs,
  epilogueFor?: (shape: number[]) => Epilogue | undefined,
): TensorInfo | undefined {
  const x = floatValues(backend, inputs.x);
  const filter = floatValues(backend, inputs.filter);
  if (x === undefined || filter === undefined) return undefined;
  const conv = convolution(inputs.x.shape, inputs.filter.shape, attrs, attrs.dilations);
  if (conv === undefined) return undefined;
  const { info, shape } = conv;
  const epilogue = epilogueFor?.(info.outShape);
  if (epilogueFor !== undefined && epilogue === undefined) return undefined;
  const y = takeFloats(util.sizeFromShape(info.outShape));
  if (epilogue === undefined || !convolveFused(native, x, filter, y, shape, epilogue)) {
    native.conv2d(x, filter, y, shape);
    if (epilogue !== undefined) applyEpilogue(native, epilogue, y);
  }
  return backend.makeTensorInfo(info.outShape, 'float32', y);
}

/**
 * A depthwise convolution (plain or fused) with channel multiplier 1 through the add-on, or
 * undefined to fall back (other multipliers, NCHW, empty tensors).
 */
function nativeDepthwise(
  native: NativeModule,
  backend: CpuBackendLike,
  inputs: { x: TensorInfo; filter: TensorInfo },
  attrs: Pick<DepthwiseConv2dNativeAttrs, 'strides' | 'pad' | 'dilations' | 'dimRoundingMode'> & {
    dataFormat?: string;
  },
  epilogueFor?: (shape: number[]) => Epilogue | undefined,
): TensorInfo | undefined {
  const x = floatValues(backend, inputs.x);
  const filter = floatValues(backend, inputs.filter);
  const { shape: filterShape } = inputs.filter;
  if (x === undefined || filter === undefined || filterShape[3] !== 1) return undefined;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return undefined;
  if (inputs.x.shape.length !== 4 || filterShape.length !== 4) return undefined;
  const info = backend_util.computeConv2DInfo(
    inputs.x.shape as Conv4,
    filterShape as Conv4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
  const shape = geometry(info);
  if (shape === undefined || info.outChannels !== info.inChannels) return undefined;
  const epilogue = epilogueFor?.(info.outShape);
  if (epilogueFor !== undefined && epilogue === undefined) return undefined;
  const y = takeFloats(util.sizeFromShape(info.outShape));
  native.depthwiseConv2d(x, filter, y, shape);
  if (epilogue !== undefined) applyEpilogue(native, epilogue, y);
  return backend.makeTensorInfo(info.outShape, 'float32', y);
}

/** A (fused) batched matrix product through the add-on, or undefined to fall back. */
function nativeMatMul(
  native: NativeModule,
  backend: CpuBackendLike,
  inputs: { a: TensorInfo; b: TensorInfo },
  transposeA: boolean,
  transposeB: boolean,
  epilogueFor?: (shape: number[]) => Epilogue | undefined,
): TensorInfo | undefined {
  const a = floatValues(backend, inputs.a);
  const b = floatValues(backend, inputs.b);
  const aShape = inputs.a.shape;
  const bShape = inputs.b.shape;
  if (a === undefined || b === undefined || aShape.length < 2 || bShape.length < 2)
    return undefined;
  const [aRows, aCols] = aShape.slice(-2) as [number, number];
  const [bRows, bCols] = bShape.slice(-2) as [number, number];
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  if (k !== (transposeB ? bCols : bRows)) return undefined; // tfjs's kernel reports the mismatch
  const aBatchShape = aShape.slice(0, -2);
  const bBatchShape = bShape.slice(0, -2);
  const batchA = util.sizeFromShape(aBatchShape);
  const batchB = util.sizeFromShape(bBatchShape);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  let batchShape: number[];
  try {
    batchShape = backend_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  } catch {
    return undefined;
  }
  const outShape = [...batchShape, m, n];
  if (util.sizeFromShape(outShape) === 0) return undefined;
  const epilogue = epilogueFor?.(outShape);
  if (epilogueFor !== undefined && epilogue === undefined) return undefined;
  const c = takeFloats(util.sizeFromShape(outShape));
  native.matmul(a, b, c, batchA, batchB, m, n, k, transposeA, transposeB);
  if (epilogue !== undefined) applyEpilogue(native, epilogue, c);
  return backend.makeTensorInfo(outShape, 'float32', c);
}

/**
 * A convolution gradient through the add-on, or undefined to fall back: the geometry from the
 * image and filter shapes, then `run` on the two float32 operands into a new output.
 */
function nativeConvGradient(
  backend: CpuBackendLike,
  attrs: Pick<Conv2DBackpropInputAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'>,
  imageShape: readonly number[],
  filterShape: readonly number[],
  operands: [TensorInfo, TensorInfo],
  output: (
    info: backend_util.Conv2DInfo,
  ) => [number[], (values: Float32Array[], out: Float32Array, shape: Int32Array) => void],
): TensorInfo | undefined {
  const values = operands.map((operand) => floatValues(backend, operand));
  if (values.some((value) => value === undefined)) return undefined;
  const conv = convolution(imageShape, filterShape, attrs, 1);
  if (conv === undefined) return undefined;
  const { info, shape } = conv;
  const [outShape, run] = output(info);
  const out = takeFloats(util.sizeFromShape(outShape));
  run(values as Float32Array[], out, shape);
  return backend.makeTensorInfo(outShape, 'float32', out);
}

/** ReLU (operation 0) or the absolute value (1) of a float32 tensor through the add-on. */
function unaryKernel(
  native: NativeModule,
  fallback: KernelConfig,
  operation: number,
): KernelConfig {
  return withFallback(fallback, ({ inputs }, backend) => {
    const { x } = inputs as { x: TensorInfo };
    const values = floatValues(backend, x);
    if (values === undefined || values.length === 0) return undefined;
    const out = takeFloats(values.length);
    native.unary(operation, values, out);
    return backend.makeTensorInfo([...x.shape], 'float32', out);
  });
}

/** The kernels the add-on replaces, built around tfjs's own (the fallback for other cases). */
export const NATIVE_KERNELS: Record<
  string,
  (native: NativeModule, fallback: KernelConfig) => KernelConfig
> = {
  Conv2D: (native, fallback) =>
    withFallback(fallback, ({ inputs, attrs }, backend) =>
      nativeConv(
        native,
        backend,
        inputs as { x: TensorInfo; filter: TensorInfo },
        attrs as unknown as Conv2DAttrs,
      ),
    ),
  FusedConv2D: (native, fallback) =>
    withFallback(fallback, ({ inputs, attrs }, backend) => {
      const { x, filter } = inputs as Record<string, TensorInfo>;
      const fused = attrs as unknown as FusedConv2DAttrs;
      return nativeConv(
        native,
        backend,
        { x: x!, filter: filter! },
        fused,
        fusedEpilogue(backend, inputs, fused),
      );
    }),
  Conv2DBackpropInput: (native, fallback) =>
    withFallback(fallback, ({ inputs, attrs }, backend) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const { inputShape, ...conv } = attrs as unknown as Conv2DBackpropInputAttrs;
      return nativeConvGradient(backend, conv, inputShape, filter.shape, [dy, filter], (info) => [
        info.inShape,
        (operands, out, shape) =>
          native.conv2dBackpropInput(operands[0]!, operands[1]!, out, shape),
      ]);
    }),
  Conv2DBackpropFilter: (native, fallback) =>
    withFallback(fallback, ({ inputs, attrs }, backend) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { filterShape, ...conv } = attrs as unknown as Conv2DBackpropFilterAttrs;
      return nativeConvGradient(backend, conv, x.shape, filterShape, [x, dy], (info) => [
        info.filterShape,
        (operands, out, shape) =>
          native.conv2dBackpropFilter(operands[0]!, operands[1]!, out, shape),
      ]);
    }),
  DepthwiseConv2dNative: (native, fallback) =>
    withFallback(fallback, ({ inputs, attrs }, backend) =>
      nativeDepthwise(
        native,
        backend,
        inputs as { x: TensorInfo; filter: TensorInfo },
        attrs as unknown as DepthwiseConv2dNativeAttrs,
      ),
    ),
  FusedDepthwiseConv2D: (native, fallback) =>
    withFallback(fallback, ({ inputs, attrs }, backend) => {
      const { x, filter } = inputs as Record<string, TensorInfo>;
      const fused = attrs as unknown as FusedDepthwiseConv2DAttrs;
      return nativeDepthwise(
        native,
        backend,
        { x: x!, filter: filter! },
        fused,
        fusedEpilogue(backend, inputs, fused),
      );
    }),
  Transpose: (native, fallback) =>
    withFallback(fallback, ({ inputs, attrs }, backend) => {
      const { x } = inputs as { x: TensorInfo };
      const { perm } = attrs as unknown as TransposeAttrs;
      const values = floatValues(backend, x);
      if (values === undefined || values.length === 0 || x.shape.length > 8) return undefined;
      const out = takeFloats(values.length);
      native.transpose(values, Int32Array.from(x.shape), Int32Array.from(perm), out);
      return backend.makeTensorInfo(
        perm.map((axis) => x.shape[axis]!),
        'float32',
        out,
      );
    }),
  Relu: (native, fallback) => unaryKernel(native, fallback, 0),
  Abs: (native, fallback) => unaryKernel(native, fallback, 1),
  BatchMatMul: (native, fallback) =>
    withFallback(fallback, ({ inputs, attrs }, backend) => {
      const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
      return nativeMatMul(
        native,
        backend,
        inputs as { a: TensorInfo; b: TensorInfo },
        transposeA,
        transposeB,
      );
    }),
  _FusedMatMul: (native, fallback) =>
    withFallback(fallback, ({ inputs, attrs }, backend) => {
      const { a, b } = inputs as Record<string, TensorInfo>;
      const fused = attrs as unknown as FusedMatMulAttrs;
      return nativeMatMul(
        native,
        backend,
        { a: a!, b: b! },
        fused.transposeA,
        fused.transposeB,
        fusedEpilogue(backend, inputs, fused),
      );
    }),
};
