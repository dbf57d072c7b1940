import { DatasetFormatError } from '@bctkit/tensor-ops';

/** A run of rows with one label. */
export interface ClassChunk {
  readonly label: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Splits labels in file order into runs of equal labels. MixBCT's denoiser walks classes this
 * way, so each class must be one contiguous run (true of MS1MV3's `.rec` order).
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} when a class appears in two runs.
 */
export function classChunks(labels: ArrayLike<number>, file = 'labels'): ClassChunk[] {
  const chunks: ClassChunk[] = [];
  const seen = new Set<number>();
  let start = 0;
  for (let row = 1; row <= labels.length; row++) {
    if (row === labels.length || labels[row] !== labels[start]) {
      const label = labels[start]!;
      if (!(Number.isInteger(label) && label >= 0))
        throw new DatasetFormatError(
          file,
          undefined,
          `label ${label} at row ${start} is not a class index (labels are whole numbers >= 0)`,
        );
      if (seen.has(label))
        throw new DatasetFormatError(
          file,
          undefined,
          `class ${label} appears again at row ${start}: rows of a class must be contiguous (sort the features by label, keeping file order within a class)`,
        );
      seen.add(label);
      chunks.push({ label, start, end: row });
      start = row;
    }
  }
  return chunks;
}
