/**
 * Solves `M x = b` for a dense `n x n` matrix (row-major, float64) by Gaussian elimination with
 * partial pivoting. `matrix` and `rhs` are overwritten.
 * @throws Error when the matrix is singular.
 */
export function solveLinear(matrix: Float64Array, rhs: Float64Array, n: number): Float64Array {
  for (let column = 0; column < n; column++) {
    let pivot = column;
    for (let row = column + 1; row < n; row++)
      if (Math.abs(matrix[row * n + column]!) > Math.abs(matrix[pivot * n + column]!)) pivot = row;
    const pivotValue = matrix[pivot * n + column]!;
    if (pivotValue === 0) throw new Error('singular matrix');
    if (pivot !== column) {
      for (let k = 0; k < n; k++) {
        const swap = matrix[column * n + k]!;
        matrix[column * n + k] = matrix[pivot * n + k]!;
        matrix[pivot * n + k] = swap;
      }
      const swap = rhs[column]!;
      rhs[column] = rhs[pivot]!;
      rhs[pivot] = swap;
    }
    for (let row = column + 1; row < n; row++) {
      const factor = matrix[row * n + column]! / pivotValue;
      if (factor === 0) continue;
      for (let k = column; k < n; k++) matrix[row * n + k]! -= factor * matrix[column * n + k]!;
      rhs[row]! -= factor * rhs[column]!;
    }
  }
  const solution = new Float64Array(n);
  for (let row = n - 1; row >= 0; row--) {
    let total = rhs[row]!;
    for (let k = row + 1; k < n; k++) total -= matrix[row * n + k]! * solution[k]!;
    solution[row] = total / matrix[row * n + row]!;
  }
  return solution;
}
