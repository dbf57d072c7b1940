import { assertFiniteRows, type HostMatrix, NpyFile, ShapeMismatchError } from '@bctkit/tensor-ops';

/** Where old features come from: an in-memory matrix or a `.npy` file read in blocks. */
export type FeatureSource = HostMatrix | string;

/** Rows `[start, end)` of a feature source, as one host matrix. */
export interface FeatureReader {
  readonly rows: number;
  readonly cols: number;
  read(start: number, end: number): Promise<HostMatrix>;
  close(): Promise<void>;
}

/**
 * Opens a feature source for block reads, checking it against the label count. Every block read
 * is checked for NaN and infinite values (refused, naming the row).
 */
export async function openFeatures(
  source: FeatureSource,
  labelCount: number,
): Promise<FeatureReader> {
  let reader: FeatureReader;
  if (typeof source === 'string') {
    const file = await NpyFile.open(source);
    reader = {
      rows: file.rows,
      cols: file.cols,
      read: (start, end) => file.readRows(start, end),
      close: () => file.close(),
    };
  } else {
    reader = {
      rows: source.rows,
      cols: source.cols,
      read: async (start, end) => {
        const data = source.data.subarray(start * source.cols, end * source.cols);
        assertFiniteRows(data, source.cols, 'features', start);
        return { data, rows: end - start, cols: source.cols };
      },
      close: async () => {},
    };
  }
  if (reader.rows !== labelCount) {
    await reader.close();
    throw new ShapeMismatchError(
      `${typeof source === 'string' ? source : 'features'} has ${reader.rows} rows for ${labelCount} labels: features must be index-aligned with the dataset`,
    );
  }
  return reader;
}

/** Rows per block when streaming over all features. */
export const BLOCK_ROWS = 65536;
