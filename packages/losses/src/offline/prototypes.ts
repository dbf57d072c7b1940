import type { HostMatrix } from '@bctkit/tensor-ops';
import { classCount, classSums } from './class-sums.js';
import { type FeatureSource, openFeatures } from './feature-rows.js';

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
  const { cols } = reader;
  let sums: Float64Array;
  try {
    ({ sums } = await classSums(reader, labels, numClasses, {
      normaliseRows: false,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    }));
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
