import { InvalidConfigError } from '@bctkit/tensor-ops';
import { classChunks } from './class-chunks.js';
import { BLOCK_ROWS, type FeatureSource, openFeatures } from './feature-rows.js';

/** Options of {@link denoiseCredible}. */
export interface DenoiseOptions {
  /** Keep ratio T: the `ceil(T * n)` samples of each class closest to its mean. Default 0.9. */
  readonly ratio?: number;
  /** Called with the rows done so far (two passes: every row, then the rows of `range`). */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Only the classes of shard `index` of `of`: those whose first row lies in rows
   * `[floor(index N / of), floor((index + 1) N / of))`. The column norms still come from every
   * row, so each shard's flags equal the single run's. Default: every class.
   */
  readonly shard?: { readonly index: number; readonly of: number };
  /** Where the labels came from (a file), for error messages. Default `labels`. */
  readonly labelsSource?: string;
}

/** Result of {@link denoiseCredible}. */
export interface DenoiseResult {
  /** 1 for a credible old feature, 0 for a noisy one (or one outside `range`), per dataset row. */
  readonly credible: Uint8Array;
  readonly kept: number;
  readonly dropped: number;
  /** The rows whose flags this run decided, `[start, end)`: every row unless `shard` was given. */
  readonly range: { readonly start: number; readonly end: number };
}

/**
 * The rows of shard `index` of `of` when classes are kept whole: from the first class starting
 * at or after the shard's even split point to the first class of the next shard. The shards tile
 * the rows exactly.
 */
export function classShardRows(
  chunks: readonly { readonly start: number; readonly end: number }[],
  rows: number,
  index: number,
  of: number,
): { start: number; end: number } {
  if (!Number.isInteger(of) || of < 1 || !Number.isInteger(index) || index < 0 || index >= of)
    throw new InvalidConfigError('shard', `expected 0 <= index < of, got ${index}/${of}`);
  const firstClassFrom = (row: number) => chunks.find((chunk) => chunk.start >= row)?.start ?? rows;
  return {
    start: firstClassFrom(Math.floor((index * rows) / of)),
    end: index + 1 === of ? rows : firstClassFrom(Math.floor(((index + 1) * rows) / of)),
  };
}

/**
 * MixBCT's credible-feature denoising (`tools/denoising/denoise_credible.py`), exactly:
 *
 * 1. L2-normalise every old feature (row);
 * 2. divide every column by its norm over the whole set;
 * 3. for each class (a contiguous run of labels in file order), the Euclidean distance of each
 *    sample to the class mean of the processed features;
 * 4. keep the `ceil(T * n)` closest samples as credible (T = 0.9: the farthest ~10% are noisy;
 *    classes of 9 or fewer keep everything).
 *
 * Streams over the features in two passes (column norms, then one class at a time), so N = 5.2 M
 * rows of 512 floats (10 GB) need memory for one block and the largest class only.
 *
 * @param features `[N, d]` old features: a `.npy` path or a host matrix, index-aligned with `labels`.
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} when the row count differs from the labels.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} when a class is not contiguous.
 */
export async function denoiseCredible(
  features: FeatureSource,
  labels: ArrayLike<number>,
  options: DenoiseOptions = {},
): Promise<DenoiseResult> {
  const ratio = options.ratio ?? 0.9;
  if (!(ratio > 0 && ratio <= 1))
    throw new InvalidConfigError('ratio', `must be in (0, 1], got ${ratio}`);
  const allChunks = classChunks(labels, options.labelsSource);
  const reader = await openFeatures(features, labels.length);
  const { rows, cols } = reader;
  const range =
    options.shard === undefined
      ? { start: 0, end: rows }
      : classShardRows(allChunks, rows, options.shard.index, options.shard.of);
  const chunks = allChunks.filter((chunk) => chunk.start >= range.start && chunk.end <= range.end);
  const credible = new Uint8Array(rows);
  try {
    // Pass 1: column norms of the row-normalised features (float64 accumulation).
    const columnSquares = new Float64Array(cols);
    for (let start = 0; start < rows; start += BLOCK_ROWS) {
      const end = Math.min(rows, start + BLOCK_ROWS);
      const block = await reader.read(start, end);
      for (let row = 0; row < end - start; row++) {
        const base = row * cols;
        let squares = 0;
        for (let col = 0; col < cols; col++) squares += block.data[base + col]! ** 2;
        const inverse = squares > 0 ? 1 / Math.sqrt(squares) : 0;
        for (let col = 0; col < cols; col++)
          columnSquares[col]! += (block.data[base + col]! * inverse) ** 2;
      }
      options.onProgress?.(end, rows + range.end - range.start);
    }
    const columnScale = columnSquares.map((squares) => (squares > 0 ? 1 / Math.sqrt(squares) : 0));

    // Pass 2: one class at a time.
    for (const { start, end } of chunks) {
      const count = end - start;
      const block = await reader.read(start, end);
      const processed = new Float64Array(count * cols);
      const mean = new Float64Array(cols);
      for (let row = 0; row < count; row++) {
        const base = row * cols;
        let squares = 0;
        for (let col = 0; col < cols; col++) squares += block.data[base + col]! ** 2;
        const inverse = squares > 0 ? 1 / Math.sqrt(squares) : 0;
        for (let col = 0; col < cols; col++) {
          const value = block.data[base + col]! * inverse * columnScale[col]!;
          processed[base + col] = value;
          mean[col]! += value / count;
        }
      }
      const distances = new Float64Array(count);
      for (let row = 0; row < count; row++) {
        let squares = 0;
        for (let col = 0; col < cols; col++)
          squares += (processed[row * cols + col]! - mean[col]!) ** 2;
        distances[row] = Math.sqrt(squares);
      }
      const keep = Math.ceil(ratio * count);
      // Stable order by distance: ties keep file order, as numpy's stable argsort.
      const order = Array.from({ length: count }, (_, row) => row).sort(
        (a, b) => distances[a]! - distances[b]! || a - b,
      );
      for (let rank = 0; rank < keep; rank++) credible[start + order[rank]!] = 1;
      options.onProgress?.(rows + end - range.start, rows + range.end - range.start);
    }
  } finally {
    await reader.close();
  }
  const kept = credible.reduce((total, flag) => total + flag, 0);
  return { credible, kept, dropped: range.end - range.start - kept, range };
}
