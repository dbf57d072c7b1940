import { ShapeMismatchError } from '@bctkit/tensor-ops';
import { z } from 'zod';
import type { AdapterParameter } from '../adapter.js';
import {
  crossProduct,
  type Dense,
  multiply,
  solveSymmetric,
  symmetricEigen,
  zeros,
} from '../linalg/dense.js';
import type { AdapterSpec } from '../spec.js';
import { applyLinear, parameter } from './linear-apply.js';

/** Options of `affine`. */
export const affineOptions = z.strictObject({
  /** Ridge penalty per row: `(Xc^T Xc + ridge * rows * I) W = Xc^T Yc`. */
  ridge: z.number().min(0).default(1e-3),
  /** Keep only this many dimensions of the map (reduced-rank regression); default: full rank. */
  rank: z.number().int().positive().optional(),
});

/** Column means of `[rows, cols]` float32 rows. */
function columnMeans(data: Float32Array, rows: number, cols: number): Float64Array {
  const means = new Float64Array(cols);
  for (let row = 0; row < rows; row++)
    for (let j = 0; j < cols; j++) means[j]! += data[row * cols + j]!;
  for (let j = 0; j < cols; j++) means[j]! /= Math.max(rows, 1);
  return means;
}

function centred(
  data: Float32Array,
  rows: number,
  cols: number,
  means: Float64Array,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let row = 0; row < rows; row++)
    for (let j = 0; j < cols; j++) out[row * cols + j] = data[row * cols + j]! - means[j]!;
  return out;
}

/**
 * A ridge-regularised affine map `y = x W + b` fitted by least squares, optionally of reduced
 * rank `r` (Izenman 1975: the full solution projected on the top `r` principal directions of its
 * fitted values, stored as two factors `[from, r]` and `[r, to]`).
 */
export const affine: AdapterSpec<z.output<typeof affineOptions>> = {
  id: 'affine',
  aliases: ['linear', 'low-rank-affine'],
  description: 'least-squares affine map with a ridge, optionally of low rank',
  reference:
    'Izenman, "Reduced-rank regression for the multivariate linear model", J. Multivariate Analysis 1975',
  defaultRole: 'query',
  takesSide: false,
  options: affineOptions,
  async fit(data, options): Promise<Record<string, AdapterParameter>> {
    const { from, to } = data;
    const [n, p, q] = [from.rows, from.cols, to.cols];
    if (options.rank !== undefined && options.rank > Math.min(p, q))
      throw new ShapeMismatchError(
        `${data.source}: rank ${options.rank} exceeds the widths ${p} and ${q}`,
      );
    const xMean = columnMeans(from.data, n, p);
    const yMean = columnMeans(to.data, n, q);
    const x = centred(from.data, n, p, xMean);
    const y = centred(to.data, n, q, yMean);
    const gram = crossProduct(x, x, n, p, p);
    for (let i = 0; i < p; i++) gram.data[i * p + i]! += options.ridge * n;
    let w: Dense;
    try {
      w = solveSymmetric(gram, crossProduct(x, y, n, p, q));
    } catch {
      throw new ShapeMismatchError(
        `${data.source}: the affine fit is singular (${n} rows for ${p} input dimensions); use a ridge above 0 or more rows`,
      );
    }
    const bias = (factors: readonly Dense[]) => {
      // b = mean(Y) - mean(X) W
      const b = Float64Array.from(yMean);
      let row: Dense = { data: xMean, rows: 1, cols: p };
      for (const factor of factors) row = multiply(row, factor);
      for (let j = 0; j < q; j++) b[j]! -= row.data[j]!;
      return parameter(b, [q]);
    };
    if (options.rank === undefined) return { w: parameter(w.data, [p, q]), b: bias([w]) };
    // Fitted values' principal directions: eigenvectors of W^T (X^T X) W.
    const xw = multiply({ data: x, rows: n, cols: p }, w);
    const { vectors } = symmetricEigen(crossProduct(xw.data, xw.data, n, q, q));
    const r = options.rank;
    const v = zeros(q, r);
    for (let i = 0; i < q; i++)
      for (let k = 0; k < r; k++) v.data[i * r + k] = vectors.data[i * q + k]!;
    const a = multiply(w, v);
    const bt = zeros(r, q);
    for (let k = 0; k < r; k++) for (let i = 0; i < q; i++) bt.data[k * q + i] = v.data[i * r + k]!;
    return { a: parameter(a.data, [p, r]), bt: parameter(bt.data, [r, q]), b: bias([a, bt]) };
  },
  apply(parameters, input) {
    const factors = parameters.w !== undefined ? [parameters.w] : [parameters.a!, parameters.bt!];
    return applyLinear(input, factors, parameters.b);
  },
};
