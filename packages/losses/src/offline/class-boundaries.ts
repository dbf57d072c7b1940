import type { HostMatrix } from '@bctkit/tensor-ops';
import { classCount, classSums, normaliseRowInto } from './class-sums.js';
import { BLOCK_ROWS, type FeatureSource, openFeatures } from './feature-rows.js';

/** Class centres of L2-normalised old features, and a per-sample statistic against them. */
async function centresAndStatistic(
  features: FeatureSource,
  labels: ArrayLike<number>,
  numClasses: number,
  normaliseCentres: boolean,
  statistic: (row: Float32Array, centre: Float32Array) => number,
): Promise<{ centres: HostMatrix; values: Float32Array }> {
  const reader = await openFeatures(features, labels.length);
  const { rows, cols } = reader;
  const values = new Float32Array(rows);
  const centres = new Float32Array(numClasses * cols);
  const scratch = new Float32Array(cols);
  try {
    const { sums, counts } = await classSums(reader, labels, numClasses, { normaliseRows: true });
    for (let label = 0; label < numClasses; label++) {
      if (counts[label] === 0) continue;
      let squares = 0;
      for (let col = 0; col < cols; col++)
        squares += (sums[label * cols + col]! / counts[label]!) ** 2;
      const scale = normaliseCentres ? 1 / Math.sqrt(squares) : 1;
      for (let col = 0; col < cols; col++)
        centres[label * cols + col] = (sums[label * cols + col]! / counts[label]!) * scale;
    }
    for (let start = 0; start < rows; start += BLOCK_ROWS) {
      const end = Math.min(rows, start + BLOCK_ROWS);
      const block = await reader.read(start, end);
      for (let row = 0; row < end - start; row++) {
        const label = labels[start + row]!;
        values[start + row] = statistic(
          normaliseRowInto(block.data, row, cols, scratch),
          centres.subarray(label * cols, (label + 1) * cols),
        );
      }
    }
  } finally {
    await reader.close();
  }
  return { centres: { data: centres, rows: numClasses, cols }, values };
}

/** LCE's old-class statistics: see {@link lceClassCentres}. */
export interface LceCentres {
  /** `[numClasses, d]` L2-normalised mean of each class's L2-normalised old features. */
  readonly centres: HostMatrix;
  /** Per class, the smallest cosine of a member to its centre (the class's angular boundary). */
  readonly kappa: Float32Array;
}

/**
 * LCE's offline statistics (Meng et al., "Learning Compatible Embeddings", ICCV 2021,
 * https://arxiv.org/abs/2108.01958): per class, the normalised centre of the normalised old
 * features and `kappa = min_i cos(f_i, c)`. Two streaming passes.
 */
export async function lceClassCentres(
  features: FeatureSource,
  labels: ArrayLike<number>,
  options: { numClasses?: number } = {},
): Promise<LceCentres> {
  const numClasses = classCount(labels, options.numClasses);
  const { centres, values } = await centresAndStatistic(
    features,
    labels,
    numClasses,
    true,
    (row, centre) => {
      let dot = 0;
      for (let col = 0; col < row.length; col++) dot += row[col]! * centre[col]!;
      return dot;
    },
  );
  const kappa = new Float32Array(numClasses).fill(1);
  for (let row = 0; row < labels.length; row++)
    kappa[labels[row]!] = Math.min(kappa[labels[row]!]!, values[row]!);
  return { centres, kappa };
}

/** AdvBCT's old-class statistics: see {@link advBctClassBoundaries}. */
export interface AdvBctBoundaries {
  /** `[numClasses, d]` mean of each class's L2-normalised old features (not re-normalised). */
  readonly centres: HostMatrix;
  /** Per class, the largest radius `||n(o_i) - c||` left after removing outliers. */
  readonly radius: Float32Array;
  /** Per class, how many radii were kept. Classes with one or none are skipped by the loss. */
  readonly kept: Int32Array;
}

/** numpy's default (linear) percentile of sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  const position = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower]! + (position - lower) * (sorted[upper]! - sorted[lower]!);
}

/**
 * AdvBCT's offline class metadata (Pan et al., "Boundary-Aware Backward-Compatible
 * Representation via Adversarial Learning in Image Retrieval", CVPR 2023,
 * https://arxiv.org/abs/2305.02610): per class, the mean of the normalised old features, each
 * member's radius to it, radii outside `[Q1 - 1.5 IQR, Q3 + 1.5 IQR]` dropped when the class has
 * at least 4 members (numpy's linear percentiles), and the largest remaining radius.
 */
export async function advBctClassBoundaries(
  features: FeatureSource,
  labels: ArrayLike<number>,
  options: { numClasses?: number } = {},
): Promise<AdvBctBoundaries> {
  const numClasses = classCount(labels, options.numClasses);
  const { centres, values } = await centresAndStatistic(
    features,
    labels,
    numClasses,
    false,
    (row, centre) => {
      let squares = 0;
      for (let col = 0; col < row.length; col++) squares += (row[col]! - centre[col]!) ** 2;
      return Math.sqrt(squares);
    },
  );
  // Group radii by class (counting sort), then filter and take the maximum per class.
  const counts = new Int32Array(numClasses + 1);
  for (let row = 0; row < labels.length; row++) counts[labels[row]! + 1]! += 1;
  for (let label = 0; label < numClasses; label++) counts[label + 1]! += counts[label]!;
  const grouped = new Float64Array(labels.length);
  const cursor = counts.slice(0, numClasses);
  for (let row = 0; row < labels.length; row++) grouped[cursor[labels[row]!]!++] = values[row]!;
  const radius = new Float32Array(numClasses);
  const kept = new Int32Array(numClasses);
  for (let label = 0; label < numClasses; label++) {
    const radii = grouped.subarray(counts[label]!, counts[label + 1]!).sort();
    if (radii.length === 0) continue;
    let low = -Infinity;
    let high = Infinity;
    if (radii.length >= 4) {
      const q1 = percentile(radii, 25);
      const q3 = percentile(radii, 75);
      low = q1 - 1.5 * (q3 - q1);
      high = q3 + 1.5 * (q3 - q1);
    }
    let largest = 0;
    let count = 0;
    for (const value of radii) {
      if (value < low || value > high) continue;
      largest = Math.max(largest, value);
      count++;
    }
    radius[label] = largest;
    kept[label] = count;
  }
  return { centres, radius, kept };
}
