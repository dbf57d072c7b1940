import type { HostMatrix } from '@bctkit/tensor-ops';

/**
 * A warning when rows of a features file are all zero: such a row scores 0 against everything, so
 * a file of them measures nothing (AUC 50%) without failing. Undefined when every row has a value.
 */
export function zeroRowsWarning(matrix: HostMatrix, file: string): string | undefined {
  let zero = 0;
  for (let row = 0; row < matrix.rows; row++) {
    const values = matrix.data.subarray(row * matrix.cols, (row + 1) * matrix.cols);
    if (values.every((value) => value === 0)) zero++;
  }
  if (zero === 0) return undefined;
  return zero === matrix.rows
    ? `${file}: every row is all zero; its scores are all 0 and measure nothing (a failed extraction?)`
    : `${file}: ${zero} of ${matrix.rows} rows are all zero; they score 0 against every image`;
}
