import { DatasetFormatError } from '../errors/errors.js';

/**
 * Checks that every value of a row-major `[rows, cols]` block is finite, so a NaN or infinite
 * feature is refused where it is read instead of surfacing later as a diverging loss.
 *
 * @param data the block's values.
 * @param cols values per row.
 * @param source the file (or name) the block came from, for the message.
 * @param firstRow index of the block's first row in the whole source. Default 0.
 * @throws {@link DatasetFormatError} naming the first non-finite row, its column and value.
 */
export function assertFiniteRows(
  data: ArrayLike<number>,
  cols: number,
  source: string,
  firstRow = 0,
): void {
  for (let index = 0; index < data.length; index++) {
    const value = data[index]!;
    // value - value is 0 for finite values and NaN for NaN and the infinities.
    if (value - value !== 0) {
      const width = Math.max(1, cols);
      throw new DatasetFormatError(
        source,
        undefined,
        `row ${firstRow + Math.floor(index / width)} has a non-finite value (${value} in column ${index % width}); values must be finite numbers`,
      );
    }
  }
}
