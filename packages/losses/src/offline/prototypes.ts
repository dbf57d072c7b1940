import { type HostMatrix, IndexOutOfRangeError } from '@bctkit/tensor-ops';
import { classCount } from './class-boundaries.js';
import { BLOCK_ROWS, type FeatureSource, openFeatures } from './feature-rows.js';

/** Options of {@link classPrototypes}. */
export interface PrototypeOptions {
  /** Number of classes (rows of the result). Default: largest label + 1. */
  readonly numClasses?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * BCT / UniBCT class prototypes as the MixBCT repository computes them
 * (`tools/get_feature/get_avg_feature.py`): the mean of each class's *raw* old features, then
 * L2-normalised. Run over the new training set, this also synthesises prototypes for classes the
 * old model never saw. Labels need not be sorted; one streaming pass, float64 sums.
 *
 * @returns `[numClasses, d]`; a class without samples gets a zero row.
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} when rows and labels differ in count.
 */
export async function classPrototypes(
  features: FeatureSource,
  labels: ArrayLike<number>,
  options: PrototypeOptions = {},
): Promise<HostMatrix> {
  const numClasses = classCount(labels, options.numClasses);
  const reader = await openFeatures(features, labels.length);
  const { rows, cols } = reader;
  const sums = new Float64Array(numClasses * cols);
  const counts = new Float64Array(numClasses);
  try {
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
        for (let col = 0; col < cols; col++)
          sums[label * cols + col]! += block.data[row * cols + col]!;
      }
      options.onProgress?.(end, rows);
    }
  } finally {
    await reader.close();
  }
  const data = new Float32Array(numClasses * cols);
  for (let label = 0; label < numClasses; label++) {
    let squares = 0;
    for (let col = 0; col < cols; col++) squares += sums[label * cols + col]! ** 2;
    // The mean's direction equals the sum's: normalising the sum gives the normalised mean.
    const inverse = squares > 0 ? 1 / Math.sqrt(squares) : 0;
    for (let col = 0; col < cols; col++)
      data[label * cols + col] = sums[label * cols + col]! * inverse;
  }
  return { data, rows: numClasses, cols };
}
