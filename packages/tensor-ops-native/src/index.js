// Loads the native kernels when they were built, and says why not otherwise.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadAddon } from '@bctkit/native-build';

const packageRoot = join(import.meta.dirname, '..');

/**
 * Thread waiting: OpenMP (element-wise kernels) and OpenBLAS (products) take turns on the same
 * cores, and each spins after its work by default, stealing the other's core: measured, an
 * iResNet-18 training step ran 1.6 times slower. Unless the user chose otherwise, idle threads of
 * both sleep at once. Both libraries read these when the add-on loads, so they are set before.
 */
function preferSleepingThreads() {
  process.env.OMP_WAIT_POLICY ??= 'passive';
  process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
  // One OpenMP thread for the element-wise and batch-norm kernels (memory-bound, between BLAS
  // products): measured on 2 cores, bct demo took 67 s with one and 78 s with two, and with
  // another process busy on both cores the two pools fought (over 400 s against 111 s). IJB-C
  // scoring still uses every core (its regions ask for them). OMP_NUM_THREADS overrides.
  // OpenBLAS takes OMP_NUM_THREADS as its own count when OPENBLAS_NUM_THREADS is unset, which left
  // every product and convolution on one core (measured: an iResNet-18 step's convolutions took
  // twice as long): its count is set first, to every core.
  process.env.OPENBLAS_NUM_THREADS ??= String(availableParallelism());
  process.env.OMP_NUM_THREADS ??= '1';
}

const { binding, reason } = loadAddon({
  packageRoot,
  binary: 'bctkit_kernels.node',
  beforeLoad: preferSleepingThreads,
});

export const nativeKernels = binding
  ? {
      available: true,
      library: binding.onednn() === null ? 'OpenBLAS' : `OpenBLAS, oneDNN ${binding.onednn()}`,
      threads: binding.threads(),
      onednn: binding.onednn() ?? undefined,
    }
  : {
      available: false,
      reason,
      rebuild: `node ${JSON.stringify(join(packageRoot, 'scripts', 'build.mjs'))}`,
    };

function required() {
  if (!binding) throw new Error(`the native kernels are unavailable: ${reason}`);
  return binding;
}

export function conv2d(x, filter, y, geometry) {
  required().conv2d(x, filter, y, geometry);
}

export function conv2dFused(x, filter, y, geometry, bias, activation, prelu, leakyAlpha) {
  return required().conv2dFused(x, filter, y, geometry, bias, activation, prelu, leakyAlpha);
}

export function conv2dBackpropInput(dy, filter, dx, geometry) {
  required().conv2dBackpropInput(dy, filter, dx, geometry);
}

export function conv2dBackpropFilter(x, dy, dfilter, geometry) {
  required().conv2dBackpropFilter(x, dy, dfilter, geometry);
}

export function matmul(a, b, c, batchA, batchB, m, n, k, transposeA, transposeB) {
  required().matmul(a, b, c, batchA, batchB, m, n, k, transposeA, transposeB);
}

export function binary(operation, layout, a, b, out, channels) {
  required().binary(operation, layout, a, b, out, channels);
}

export function channelSum(x, out, scale) {
  required().channelSum(x, out, scale);
}

export function prelu(x, alpha, out, channels) {
  required().prelu(x, alpha, out, channels);
}

export function preluGrad(x, alpha, dy, dx, dalpha) {
  required().preluGrad(x, alpha, dy, dx, dalpha);
}

export function batchNorm(x, gamma, beta, epsilon, y, mean, variance, inverseStd) {
  required().batchNorm(x, gamma, beta, epsilon, y, mean, variance, inverseStd);
}

export function batchNormGrad(x, dy, mean, inverseStd, gamma, dx, dgamma, dbeta) {
  required().batchNormGrad(x, dy, mean, inverseStd, gamma, dx, dgamma, dbeta);
}

export function batchNormInference(x, mean, factor, offset, y) {
  required().batchNormInference(x, mean, factor, offset, y);
}

export function depthwiseConv2d(x, filter, y, geometry) {
  required().depthwiseConv2d(x, filter, y, geometry);
}

export function biasActivation(
  y,
  bias,
  biasKind,
  activation,
  weights,
  weightsKind,
  leakyAlpha,
  channels,
) {
  required().biasActivation(
    y,
    bias,
    biasKind,
    activation,
    weights,
    weightsKind,
    leakyAlpha,
    channels,
  );
}

export function unary(operation, x, out) {
  required().unary(operation, x, out);
}

export function transpose(x, shape, perm, out) {
  required().transpose(x, shape, perm, out);
}

export function sgdStep(w, g, buf, wOut, bufOut, learningRate, momentum, weightDecay, first) {
  required().sgdStep(w, g, buf, wOut, bufOut, learningRate, momentum, weightDecay, first);
}

export function pairDots(left, right, cols, leftIndex, rightIndex, out) {
  required().pairDots(left, right, cols, leftIndex, rightIndex, out);
}

export function sortFloat32(array) {
  required().sortFloat32(array);
}

export function rocPoints(scores, labels, dropIntermediate) {
  return required().rocPoints(scores, labels, dropIntermediate);
}
