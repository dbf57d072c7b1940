/**
 * Small dense linear algebra in float64 on row-major arrays, for fitting adapters on the host.
 * Sizes are embedding dimensions (up to a few thousand), so O(n^3) work is fine.
 */

/** A row-major float64 matrix. */
export interface Dense {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** A zero `[rows, cols]` matrix. */
export function zeros(rows: number, cols: number): Dense {
  return { data: new Float64Array(rows * cols), rows, cols };
}

/** `a^T b` for `a` `[n, p]` and `b` `[n, q]` given as flat float32 or float64 rows. */
export function crossProduct(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  p: number,
  q: number,
): Dense {
  const out = zeros(p, q);
  const result = out.data;
  for (let row = 0; row < n; row++) {
    const aOffset = row * p;
    const bOffset = row * q;
    for (let i = 0; i < p; i++) {
      const value = a[aOffset + i]!;
      if (value === 0) continue;
      const target = i * q;
      for (let j = 0; j < q; j++) result[target + j]! += value * b[bOffset + j]!;
    }
  }
  return out;
}

/** The matrix product `a b`. */
export function multiply(a: Dense, b: Dense): Dense {
  if (a.cols !== b.rows)
    throw new Error(`cannot multiply [${a.rows}, ${a.cols}] by [${b.rows}, ${b.cols}]`);
  const out = zeros(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const value = a.data[i * a.cols + k]!;
      if (value === 0) continue;
      const source = k * b.cols;
      const target = i * b.cols;
      for (let j = 0; j < b.cols; j++) out.data[target + j]! += value * b.data[source + j]!;
    }
  return out;
}

/** The transpose. */
export function transpose(a: Dense): Dense {
  const out = zeros(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return out;
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations: accurate to
 * working precision for every eigenvalue, large or small. Values are sorted in decreasing order;
 * `vectors` is `[n, n]` with eigenvector `k` in column `k`.
 */
export function symmetricEigen(matrix: Dense): { values: Float64Array; vectors: Dense } {
  const n = matrix.rows;
  if (matrix.cols !== n) throw new Error('symmetricEigen needs a square matrix');
  const a = Float64Array.from(matrix.data);
  const v = zeros(n, n);
  for (let i = 0; i < n; i++) v.data[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i]! * a[i]!;
  const tiny = Number.EPSILON * Number.EPSILON * scale;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    if (off <= tiny || off === 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        // The rotation angle that zeroes a[p][q]: tan(2 theta) = 2 apq / (aqq - app).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v.data[k * n + p]!;
          const vkq = v.data[k * n + q]!;
          v.data[k * n + p] = c * vkp - s * vkq;
          v.data[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => a[j * n + j]! - a[i * n + i]!,
  );
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = zeros(n, n);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) vectors.data[i * n + k] = v.data[i * n + order[k]!]!;
  return { values, vectors };
}

/**
 * Solves `m x = b` for a symmetric positive definite `m` `[n, n]` and `b` `[n, q]` by Cholesky.
 * @throws Error when `m` is not positive definite.
 */
export function solveSymmetric(m: Dense, b: Dense): Dense {
  const n = m.rows;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let sum = m.data[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new Error('the matrix is not positive definite');
        l[i * n + i] = Math.sqrt(sum);
      } else l[i * n + j] = sum / l[j * n + j]!;
    }
  const q = b.cols;
  const x = Float64Array.from(b.data);
  for (let col = 0; col < q; col++) {
    for (let i = 0; i < n; i++) {
      let sum = x[i * q + col]!;
      for (let k = 0; k < i; k++) sum -= l[i * n + k]! * x[k * q + col]!;
      x[i * q + col] = sum / l[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = x[i * q + col]!;
      for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k * q + col]!;
      x[i * q + col] = sum / l[i * n + i]!;
    }
  }
  return { data: x, rows: n, cols: q };
}
