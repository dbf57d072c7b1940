import { ShapeMismatchError } from '@bctkit/tensor-ops';
import { z } from 'zod';
import {
  crossProduct,
  type Dense,
  multiply,
  symmetricEigen,
  transpose,
  zeros,
} from '../linalg/dense.js';
import type { AdapterSpec } from '../spec.js';
import { applyLinear, parameter } from './linear-apply.js';

/** Options of `procrustes`. */
export const procrustesOptions = z.strictObject({
  /**
   * Singular values of `X^T Y` below this share of the largest count as zero: the map is fitted
   * on the directions the support rows span (a partial isometry), not an arbitrary rotation of the
   * rest. Fewer support rows than dimensions is an error.
   */
  rankTolerance: z.number().positive().max(1).default(1e-6),
});

/**
 * The pseudo-inverse square root `g^(+1/2)` of a symmetric positive semi-definite `g`: eigenvalues
 * whose root is below `tolerance` times the largest are left out, so that `g^(+1/2) M` is the
 * partial isometry `U_r V_r^T` on the directions the support rows span. Returns it with that rank.
 */
function pseudoInverseSquareRoot(g: Dense, tolerance: number): { root: Dense; rank: number } {
  const { values, vectors } = symmetricEigen(g);
  const n = g.rows;
  const largest = Math.sqrt(Math.max(values[0]!, 0));
  const root = zeros(n, n);
  let rank = 0;
  for (let k = 0; k < n; k++) {
    if (!(Math.sqrt(Math.max(values[k]!, 0)) > tolerance * largest)) continue;
    rank += 1;
    const scale = 1 / Math.sqrt(values[k]!);
    for (let i = 0; i < n; i++) {
      const vik = vectors.data[i * n + k]! * scale;
      if (vik === 0) continue;
      for (let j = 0; j < n; j++) root.data[i * n + j]! += vik * vectors.data[j * n + k]!;
    }
  }
  return { root, rank };
}

/**
 * The orthogonal map `W` minimising `||X W - Y||_F` with orthonormal rows or columns
 * (`W = U V^T` for `X^T Y = U S V^T`; Schönemann 1966). When the widths differ, `W` has
 * orthonormal rows (it embeds a narrower space isometrically, which is zero padding followed by
 * a rotation) or orthonormal columns (a projection). Training-free: a support set of a few
 * hundred images fits a 128-d or 192-d map.
 */
export const procrustes: AdapterSpec<z.output<typeof procrustesOptions>> = {
  id: 'procrustes',
  aliases: ['orthogonal'],
  description:
    'orthogonal Procrustes: the best rotation (zero-padded when widths differ), no training',
  reference:
    'Schönemann, "A generalized solution of the orthogonal Procrustes problem", Psychometrika 1966',
  defaultRole: 'query',
  takesSide: false,
  options: procrustesOptions,
  async fit(data, options, hooks) {
    const { from, to } = data;
    const dimension = Math.min(from.cols, to.cols);
    if (from.rows < dimension)
      throw new ShapeMismatchError(
        `${data.source}: the Procrustes fit is rank-deficient: ${from.rows} support rows for the ${dimension} dimensions it must rotate; fit on at least ${dimension} rows of varied images`,
      );
    const m = crossProduct(from.data, to.data, from.rows, from.cols, to.cols);
    // W = (M M^T)^(+1/2) M when the input is narrower or as wide, M (M^T M)^(+1/2) otherwise.
    const narrow = from.cols <= to.cols;
    const { root, rank } = pseudoInverseSquareRoot(
      narrow ? multiply(m, transpose(m)) : multiply(transpose(m), m),
      options.rankTolerance,
    );
    if (rank < dimension)
      hooks?.onNote?.(
        `the ${from.rows} support rows span ${rank} of the ${dimension} dimensions: the rotation is fitted on those ${rank} and leaves the others out`,
      );
    const w = narrow ? multiply(root, m) : multiply(m, root);
    return { w: parameter(w.data, [from.cols, to.cols]) };
  },
  apply(parameters, input) {
    return applyLinear(input, [parameters.w!]);
  },
};
