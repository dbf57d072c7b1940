import { IndexOutOfRangeError } from '@bctkit/tensor-ops';
import { BLOCK_ROWS, type FeatureReader } from './feature-rows.js';

/** `numClasses`, or the largest label + 1. */
export function classCount(labels: ArrayLike<number>, numClasses?: number): number {
  let largest = -1;
  for (let row = 0; row < labels.length; row++) largest = Math.max(largest, labels[row]!);
  return numClasses ?? largest + 1;
}

/** Row `row` of a `[rows, cols]` block, L2-normalised, written into `out` (a zero row stays zero). */
export function normaliseRowInto(
  data: Float32Array,
  row: number,
  cols: number,
  out: Float32Array,
): Float32Array {
  let squares = 0;
  for (let col = 0; col < cols; col++) squares += data[row * cols + col]! ** 2;
  const inverse = squares > 0 ? 1 / Math.sqrt(squares) : 0;
  for (let col = 0; col < cols; col++) out[col] = data[row * cols + col]! * inverse;
  return out;
}

/**
 * One streaming pass over a feature reader: per class, the float64 sum of its rows (raw, or each
 * L2-normalised first) and its row count.
 * @throws {@link @bctkit/tensor-ops!IndexOutOfRangeError} for a label outside `[0, numClasses)`.
 */
export async function classSums(
  reader: FeatureReader,
  labels: ArrayLike<number>,
  numClasses: number,
  options: { normaliseRows: boolean; onProgress?: (done: number, total: number) => void },
): Promise<{ sums: Float64Array; counts: Float64Array }> {
  const { rows, cols } = reader;
  const sums = new Float64Array(numClasses * cols);
  const counts = new Float64Array(numClasses);
  const scratch = new Float32Array(cols);
  for (let start = 0; start < rows; start += BLOCK_ROWS) {
    const end = Math.min(rows, start + BLOCK_ROWS);
    const block = await reader.read(start, end);
    for (let row = 0; row < end - start; row++) {
      const label = labels[start + row]!;
      if (!(Number.isInteger(label) && label >= 0 && label < numClasses))
        throw new IndexOutOfRangeError(
          `label ${label} at row ${start + row} is outside [0, ${numClasses})`,
        );
      counts[label]! += 1;
      const values = options.normaliseRows
        ? normaliseRowInto(block.data, row, cols, scratch)
        : block.data.subarray(row * cols, (row + 1) * cols);
      for (let col = 0; col < cols; col++) sums[label * cols + col]! += values[col]!;
    }
    options.onProgress?.(end, rows);
  }
  return { sums, counts };
}
