import * as tf from '@tensorflow/tfjs-core';

/**
 * Scales gradients so their global L2 norm is at most `maxNorm`, as PyTorch's
 * `clip_grad_norm_` (`coefficient = maxNorm / (norm + 1e-6)`, applied when below 1).
 * @returns the clipped gradients (new tensors) and the norm before clipping.
 */
export function clipGlobalNorm(
  gradients: readonly tf.Tensor[],
  maxNorm: number,
): { clipped: tf.Tensor[]; norm: number } {
  const norm = tf.tidy(() =>
    Math.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g)))).dataSync()[0] ?? 0),
  );
  const coefficient = maxNorm / (norm + 1e-6);
  const clipped = gradients.map((g) => (coefficient < 1 ? tf.mul(g, coefficient) : tf.clone(g)));
  return { clipped, norm };
}
