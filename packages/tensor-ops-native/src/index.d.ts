/** Whether the native kernels are usable in this process, and why not. */
export type NativeKernelStatus =
  | {
      readonly available: true;
      /** The libraries behind the products and convolutions: `OpenBLAS`, or `OpenBLAS, oneDNN 2.6.3`. */
      readonly library: string;
      /**
       * Threads OpenBLAS and oneDNN's convolutions use (default: every core;
       * `OPENBLAS_NUM_THREADS` sets it).
       */
      readonly threads: number;
      /**
       * oneDNN's version when the convolutions run on it: the add-on was built where Debian's
       * `libdnnl-dev` was installed, and `BCTKIT_ONEDNN=0` is not set. Otherwise undefined, and
       * convolutions use im2col and OpenBLAS.
       */
      readonly onednn?: string;
    }
  | {
      readonly available: false;
      readonly reason: string;
      /** The command that builds the add-on again (after installing what `reason` names). */
      readonly rebuild: string;
    };

/** The state of the add-on in this process. */
export const nativeKernels: NativeKernelStatus;

/**
 * A convolution's shape, as 15 int32 values: `[batch, inHeight, inWidth, inChannels, outHeight,
 * outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight,
 * dilationWidth, padTop, padLeft]`. Images are NHWC, filters `[kh, kw, in, out]`.
 */
export type ConvGeometry = Int32Array;

/**
 * `y = conv(x, filter)`; writes every value of `y`.
 * @throws TypeError or RangeError when an array is not a Float32Array of the size the geometry
 * implies; Error when the add-on is unavailable.
 */
export function conv2d(
  x: Float32Array,
  filter: Float32Array,
  y: Float32Array,
  geometry: ConvGeometry,
): void;

/**
 * {@link conv2d} followed by a bias per output channel and an activation, both inside oneDNN's
 * kernel: `bias` holds one value per output channel (empty: none); `activation` is 0 linear,
 * 1 relu, 3 leaky relu (slope `leakyAlpha`) or 4 prelu (`prelu`: one slope per output channel, or
 * one for all). oneDNN 2.6 has no fast kernel with a prelu: the bias goes inside and the prelu
 * (`v < 0` becomes `slope * v`) follows in one pass.
 * @returns true when done; false, `y` untouched, when oneDNN is not built in, switched off or
 *   declines, and the caller runs {@link conv2d} and its own bias and activation.
 * @throws as {@link conv2d}, and RangeError for an unknown activation or a bias or prelu array
 *   of another length.
 */
export function conv2dFused(
  x: Float32Array,
  filter: Float32Array,
  y: Float32Array,
  geometry: ConvGeometry,
  bias: Float32Array,
  activation: number,
  prelu: Float32Array,
  leakyAlpha: number,
): boolean;

/** The input gradient of {@link conv2d}: writes every value of `dx`. Throws as {@link conv2d}. */
export function conv2dBackpropInput(
  dy: Float32Array,
  filter: Float32Array,
  dx: Float32Array,
  geometry: ConvGeometry,
): void;

/** The filter gradient of {@link conv2d}: writes every value of `dfilter`. Throws as {@link conv2d}. */
export function conv2dBackpropFilter(
  x: Float32Array,
  dy: Float32Array,
  dfilter: Float32Array,
  geometry: ConvGeometry,
): void;

/**
 * Batched row-major products `c[i] = op(a[i]) . op(b[i])`, `op` transposing when asked; `a` holds
 * `batchA` matrices of `m x k` (stored `k x m` when `transposeA`), `b` holds `batchB` of `k x n`
 * (stored `n x k` when `transposeB`), and a batch of 1 is shared by every product.
 * @throws RangeError for sizes that do not fit; Error when the add-on is unavailable.
 */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  batchA: number,
  batchB: number,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
): void;

/**
 * `out = a (op) b` for `operation` 0 add, 1 subtract, 2 multiply, 3 divide, with operands laid out
 * as `layout`: 0 both full, 1 `b` a scalar, 2 `a` a scalar, 3 `b` one value per channel (the last
 * dimension, `channels` long), 4 `a` one value per channel, 5 `b` one value per row (of
 * `channels` values), 6 `a` one value per row.
 * @throws RangeError when the sizes do not fit the layout.
 */
export function binary(
  operation: 0 | 1 | 2 | 3 | number,
  layout: 0 | 1 | 2 | 3 | 4 | 5 | 6 | number,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  channels: number,
): void;

/**
 * `out[c] = scale * sum over rows of x[row, c]`, `x` read as rows of `out.length` values; sums in
 * double precision.
 * @throws RangeError when `x` is not a whole number of rows.
 */
export function channelSum(x: Float32Array, out: Float32Array, scale: number): void;

/**
 * `out = x >= 0 ? x : alpha * x`, with `alpha` one value or one per channel (`channels`, the last
 * dimension of `x`).
 */
export function prelu(
  x: Float32Array,
  alpha: Float32Array,
  out: Float32Array,
  channels: number,
): void;

/**
 * Both gradients of {@link prelu} in one pass: `dx = x > 0 ? dy : alpha * dy` and `dalpha` the
 * per-channel (or, for one `alpha`, total) sum of `dy * x` where `x <= 0`.
 */
export function preluGrad(
  x: Float32Array,
  alpha: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  dalpha: Float32Array,
): void;

/**
 * Training-mode batch normalisation over every axis but the last (`gamma.length` channels):
 * writes the biased batch `mean` and `variance`, `inverseStd = 1 / sqrt(variance + epsilon)` and
 * `y = (x - mean) * inverseStd * gamma + beta`.
 * @throws RangeError when the sizes do not fit.
 */
export function batchNorm(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  inverseStd: Float32Array,
): void;

/**
 * The gradients of {@link batchNorm} with respect to `x`, `gamma` and `beta`, from the forward
 * pass's `mean` and `inverseStd` (the batch statistics are differentiated through).
 * @throws RangeError when the sizes do not fit.
 */
export function batchNormGrad(
  x: Float32Array,
  dy: Float32Array,
  mean: Float32Array,
  inverseStd: Float32Array,
  gamma: Float32Array,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void;

/**
 * Inference-mode batch normalisation over every axis but the last (`mean.length` channels), with
 * the moving statistics folded by the caller: `y = (x - mean) * factor + offset`, where
 * `factor = scale / sqrt(variance + epsilon)`. One pass.
 * @throws RangeError when the sizes do not fit.
 */
export function batchNormInference(
  x: Float32Array,
  mean: Float32Array,
  factor: Float32Array,
  offset: Float32Array,
  y: Float32Array,
): void;

/**
 * A depthwise convolution with channel multiplier 1: `filter` is `[kh, kw, in, 1]` and the
 * geometry's out channels equal its in channels. Writes every value of `y`.
 * @throws RangeError when the sizes do not fit or out channels differ from in channels.
 */
export function depthwiseConv2d(
  x: Float32Array,
  filter: Float32Array,
  y: Float32Array,
  geometry: ConvGeometry,
): void;

/**
 * In place, `y = activation(y + bias)` over rows of `channels` values, as tfjs's fused kernels
 * define each activation. Kinds say what an operand covers: -1 absent, 0 one value, 1 one per
 * channel, 2 one per value. Activations: 0 linear, 1 relu, 2 relu6, 3 leaky relu (`leakyAlpha`),
 * 4 prelu (slopes in `weights`), 5 elu, 6 sigmoid.
 * @throws RangeError for an unknown activation or kind, or operands of the wrong size.
 */
export function biasActivation(
  y: Float32Array,
  bias: Float32Array,
  biasKind: number,
  activation: number,
  weights: Float32Array,
  weightsKind: number,
  leakyAlpha: number,
  channels: number,
): void;

/**
 * `out = f(x)` per value: operation 0 relu (`x < 0 ? 0 : x`, NaN stays NaN), 1 absolute value.
 * @throws RangeError when `out` is not the size of `x`.
 */
export function unary(operation: number, x: Float32Array, out: Float32Array): void;

/**
 * `out` = `x` (row-major, of `shape`) with its axes permuted: output axis i is input axis
 * `perm[i]`, as tfjs's `Transpose`. Up to 8 axes.
 * @throws TypeError when `shape` or `perm` is not an Int32Array of at most 8 values.
 * @throws RangeError when `perm` is not a permutation of the axes, or `x` or `out` does not hold
 *   the values `shape` describes.
 */
export function transpose(
  x: Float32Array,
  shape: Int32Array,
  perm: Int32Array,
  out: Float32Array,
): void;

/**
 * One step of SGD with momentum and weight decay (PyTorch's, no dampening, not Nesterov) in one
 * pass: `d = g + weightDecay * w`, `bufOut = first ? d : momentum * buf + d`,
 * `wOut = w - learningRate * bufOut`, each operation rounded to float32 in that order. `buf` is
 * not read when `first`.
 * @throws RangeError when the arrays' lengths differ.
 */
export function sgdStep(
  w: Float32Array,
  g: Float32Array,
  buf: Float32Array,
  wOut: Float32Array,
  bufOut: Float32Array,
  learningRate: number,
  momentum: number,
  weightDecay: number,
  first: boolean,
): void;

/**
 * `out[p] = <left row leftIndex[p], right row rightIndex[p]>` for rows of `cols` values, with the
 * same double-precision accumulation (and the same bits) as bctkit's JavaScript `pairDots`, over
 * every core.
 * @throws TypeError or RangeError for other array types, sizes that do not fit, or an index
 * outside its matrix.
 */
export function pairDots(
  left: Float32Array,
  right: Float32Array,
  cols: number,
  leftIndex: Int32Array,
  rightIndex: Int32Array,
  out: Float32Array,
): void;

/**
 * Sorts `array` ascending in place, in the order `Float32Array.prototype.sort` gives (`-0` before
 * `+0`, infinities at the ends), with a radix sort. NaNs must not be present.
 * @throws TypeError when `array` is not a Float32Array.
 */
export function sortFloat32(array: Float32Array): void;

/**
 * The ROC of verification scores, bit for bit as `rocCurve` of `@bctkit/metrics` computes it in
 * JavaScript (genuine and impostor scores radix-sorted apart and merged, one point per distinct
 * score, scikit-learn's drop_intermediate when asked): `[thresholds, tpr, fpr, positives,
 * negatives]`, the arrays starting at threshold +Infinity. Returns undefined, touching nothing,
 * for input rocCurve rejects (a NaN score, a label other than 0 or 1, a class without pairs).
 * @throws TypeError when the labels are not a Uint8Array as long as the scores.
 */
export function rocPoints(
  scores: Float32Array,
  labels: Uint8Array,
  dropIntermediate: boolean,
): [Float64Array, Float64Array, Float64Array, number, number] | undefined;
