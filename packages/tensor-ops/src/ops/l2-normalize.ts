import { div, maximum, scalar, sqrt, square, sum, type Tensor, tidy } from '@tensorflow/tfjs-core';

/** Options of {@link l2Normalize}. */
export interface L2NormalizeOptions {
  /** Axis along which vectors are normalised; default the last. */
  axis?: number;
  /** Norms below this are treated as `epsilon`, so zero vectors stay zero and gradients finite. Default 1e-12 (PyTorch's `F.normalize`). */
  epsilon?: number;
}

/**
 * Scales each vector along `axis` to unit Euclidean length: `x / max(||x||, epsilon)`.
 *
 * Same values as PyTorch's `F.normalize(x, dim=axis, eps=epsilon)`. The norm is computed as
 * `sqrt(max(sum(x^2), epsilon^2))`, so a zero vector returns zeros with a finite gradient instead
 * of NaN.
 *
 * @param x e.g. embeddings `[batch, dim]`.
 * @returns a tensor of the same shape.
 */
export function l2Normalize<T extends Tensor>(x: T, options: L2NormalizeOptions = {}): T {
  const { axis = -1, epsilon = 1e-12 } = options;
  return tidy(() => {
    const squaredNorm = sum(square(x), axis, true);
    const norm = sqrt(maximum(squaredNorm, scalar(epsilon * epsilon)));
    return div(x, norm) as T;
  });
}
