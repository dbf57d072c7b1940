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
import type { AdapterFitData, AdapterSpec } from '../spec.js';
import { applyLinear, parameter } from './linear-apply.js';

/** Options of `procrustes`. */
export const procrustesOptions = z.strictObject({
  /**
   * A singular value of `X^T Y` below this share of the largest makes the fit rank-deficient
   * (too few or too similar support rows for the dimension): an error rather than an arbitrary
   * rotation.
   */
  rankTolerance: z.number().positive().max(1).default(1e-6),
});

/** `g^(-1/2)` of a symmetric positive semi-definite `g`, refusing a rank below `g.rows`. */
function inverseSquareRoot(g: Dense, tolerance: number, data: AdapterFitData): Dense {
  const { values, vectors } = symmetricEigen(g);
  const n = g.rows;
  const largest = Math.sqrt(Math.max(values[0]!, 0));
  let rank = 0;
  for (const value of values) if (Math.sqrt(Math.max(value, 0)) > tolerance * largest) rank += 1;
  if (rank < n)
    throw new ShapeMismatchError(
      `${data.source}: the Procrustes fit is rank-deficient: ${data.from.rows} support rows span ${rank} of the ${n} dimensions it must rotate; fit on at least ${n} rows of varied images`,
    );
  const out = zeros(n, n);
  for (let k = 0; k < n; k++) {
    const scale = 1 / Math.sqrt(values[k]!);
    for (let i = 0; i < n; i++) {
      const vik = vectors.data[i * n + k]! * scale;
      if (vik === 0) continue;
      for (let j = 0; j < n; j++) out.data[i * n + j]! += vik * vectors.data[j * n + k]!;
    }
  }
  return out;
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
  async fit(data, options) {
    const { from, to } = data;
    const m = crossProduct(from.data, to.data, from.rows, from.cols, to.cols);
    // W = (M M^T)^(-1/2) M when the input is narrower or as wide, M (M^T M)^(-1/2) otherwise.
    const w =
      from.cols <= to.cols
        ? multiply(inverseSquareRoot(multiply(m, transpose(m)), options.rankTolerance, data), m)
        : multiply(m, inverseSquareRoot(multiply(transpose(m), m), options.rankTolerance, data));
    return { w: parameter(w.data, [from.cols, to.cols]) };
  },
  apply(parameters, input) {
    return applyLinear(input, [parameters.w!]);
  },
};
