/**
 * JavaScript versions of the add-on's element-wise functions (same signatures as
 * `@bctkit/tensor-ops-native`'s `binary`, `channelSum`, `prelu`, `preluGrad`, `batchNorm`,
 * `batchNormGrad`, `batchNormInference` and `sgdStep`), used when the add-on is not built. Each
 * is one or two flat passes over channels-last data; tfjs's own kernels go through index
 * arithmetic per element for broadcasts and transpose before reducing over leading axes, several
 * times slower.
 */

const SAME = 0;
const RIGHT_SCALAR = 1;
const LEFT_SCALAR = 2;
const RIGHT_CHANNEL = 3;
const LEFT_CHANNEL = 4;
const RIGHT_ROW = 5;

const OPERATIONS = [
  (p: number, q: number) => p + q,
  (p: number, q: number) => p - q,
  (p: number, q: number) => p * q,
  (p: number, q: number) => p / q,
] as const;

/** `out = a (op) b` in one of the add-on's layouts (see native-elementwise.ts). */
function binary(
  operation: number,
  layout: number,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  channels: number,
): void {
  const op = OPERATIONS[operation]!;
  const n = out.length;
  if (layout === SAME) {
    for (let i = 0; i < n; i++) out[i] = op(a[i]!, b[i]!);
  } else if (layout === RIGHT_SCALAR) {
    const v = b[0]!;
    for (let i = 0; i < n; i++) out[i] = op(a[i]!, v);
  } else if (layout === LEFT_SCALAR) {
    const v = a[0]!;
    for (let i = 0; i < n; i++) out[i] = op(v, b[i]!);
  } else if (layout === RIGHT_CHANNEL) {
    for (let i = 0; i < n; i += channels) {
      for (let c = 0; c < channels; c++) out[i + c] = op(a[i + c]!, b[c]!);
    }
  } else if (layout === LEFT_CHANNEL) {
    for (let i = 0; i < n; i += channels) {
      for (let c = 0; c < channels; c++) out[i + c] = op(a[c]!, b[i + c]!);
    }
  } else if (layout === RIGHT_ROW) {
    for (let i = 0, r = 0; i < n; i += channels, r++) {
      const v = b[r]!;
      for (let c = 0; c < channels; c++) out[i + c] = op(a[i + c]!, v);
    }
  } else {
    for (let i = 0, r = 0; i < n; i += channels, r++) {
      const v = a[r]!;
      for (let c = 0; c < channels; c++) out[i + c] = op(v, b[i + c]!);
    }
  }
}

/** Per-channel sums of rows of `channels` values, in double precision. */
function sumRows(x: Float32Array, channels: number, sums: Float64Array): void {
  for (let i = 0; i < x.length; i += channels) {
    for (let c = 0; c < channels; c++) sums[c]! += x[i + c]!;
  }
}

function channelSum(x: Float32Array, out: Float32Array, scale: number): void {
  const sums = new Float64Array(out.length);
  sumRows(x, out.length, sums);
  for (let c = 0; c < out.length; c++) out[c] = sums[c]! * scale;
}

function prelu(x: Float32Array, alpha: Float32Array, out: Float32Array, channels: number): void {
  const perChannel = alpha.length !== 1;
  for (let i = 0; i < x.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      const v = x[i + c]!;
      out[i + c] = v >= 0 ? v : alpha[perChannel ? c : 0]! * v;
    }
  }
}

function preluGrad(
  x: Float32Array,
  alpha: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  dalpha: Float32Array,
): void {
  const channels = alpha.length;
  const sums = new Float64Array(channels);
  for (let i = 0; i < x.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      const v = x[i + c]!;
      const g = dy[i + c]!;
      if (v > 0) {
        dx[i + c] = g;
      } else {
        dx[i + c] = alpha[c]! * g;
        sums[c]! += g * v;
      }
    }
  }
  for (let c = 0; c < channels; c++) dalpha[c] = sums[c]!;
}

function batchNorm(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  inverseStd: Float32Array,
): void {
  const channels = gamma.length;
  const rows = x.length / channels;
  const sums = new Float64Array(channels);
  sumRows(x, channels, sums);
  for (let c = 0; c < channels; c++) mean[c] = sums[c]! / rows;
  const squares = new Float64Array(channels);
  for (let i = 0; i < x.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      const d = x[i + c]! - mean[c]!;
      squares[c]! += d * d;
    }
  }
  const scale = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    variance[c] = squares[c]! / rows;
    inverseStd[c] = 1 / Math.sqrt(variance[c]! + epsilon);
    scale[c] = gamma[c]! * inverseStd[c]!;
  }
  for (let i = 0; i < x.length; i += channels) {
    for (let c = 0; c < channels; c++) y[i + c] = (x[i + c]! - mean[c]!) * scale[c]! + beta[c]!;
  }
}

function batchNormGrad(
  x: Float32Array,
  dy: Float32Array,
  mean: Float32Array,
  inverseStd: Float32Array,
  gamma: Float32Array,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void {
  const channels = gamma.length;
  const rows = x.length / channels;
  const sums = new Float64Array(channels);
  const weighted = new Float64Array(channels);
  for (let i = 0; i < x.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      const g = dy[i + c]!;
      sums[c]! += g;
      weighted[c]! += g * (x[i + c]! - mean[c]!) * inverseStd[c]!;
    }
  }
  // dx = s * dy + b * (x - mean) + d per channel (see batch_norm_grad in the add-on).
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  const d = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    dbeta[c] = sums[c]!;
    dgamma[c] = weighted[c]!;
    const s = gamma[c]! * inverseStd[c]!;
    a[c] = s;
    b[c] = (-s * weighted[c]! * inverseStd[c]!) / rows;
    d[c] = (-s * sums[c]!) / rows;
  }
  for (let i = 0; i < x.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      dx[i + c] = a[c]! * dy[i + c]! + b[c]! * (x[i + c]! - mean[c]!) + d[c]!;
    }
  }
}

/** Inference-mode batch normalisation: `y = (x - mean) * factor + offset` per channel. */
function batchNormInference(
  x: Float32Array,
  mean: Float32Array,
  factor: Float32Array,
  offset: Float32Array,
  y: Float32Array,
): void {
  const channels = mean.length;
  for (let i = 0; i < x.length; i += channels) {
    for (let c = 0; c < channels; c++) y[i + c] = (x[i + c]! - mean[c]!) * factor[c]! + offset[c]!;
  }
}

/**
 * One SGD step with momentum and weight decay, each operation rounded to float32 in the order
 * of the separate ops: `d = g + weightDecay * w`, `bufOut = first ? d : momentum * buf + d`,
 * `wOut = w - learningRate * bufOut`.
 */
function sgdStep(
  w: Float32Array,
  g: Float32Array,
  buf: Float32Array,
  wOut: Float32Array,
  bufOut: Float32Array,
  learningRate: number,
  momentum: number,
  weightDecay: number,
  first: boolean,
): void {
  const [rate, keep, decay] = [learningRate, momentum, weightDecay].map(Math.fround) as [
    number,
    number,
    number,
  ];
  for (let i = 0; i < w.length; i++) {
    const d = Math.fround(g[i]! + Math.fround(decay * w[i]!));
    const b = first ? d : Math.fround(Math.fround(keep * buf[i]!) + d);
    bufOut[i] = b;
    wOut[i] = w[i]! - Math.fround(rate * b);
  }
}

/** The JavaScript implementation of the add-on's element-wise functions. */
export const jsElementwise = {
  binary,
  channelSum,
  prelu,
  preluGrad,
  batchNorm,
  batchNormGrad,
  batchNormInference,
  sgdStep,
};

/** What the element-wise kernels need: the add-on, or {@link jsElementwise}. */
export type ElementwiseImplementation = typeof jsElementwise;
