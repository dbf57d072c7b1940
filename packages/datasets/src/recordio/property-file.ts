import { readFile } from 'node:fs/promises';
import { DatasetFormatError } from '@bctkit/tensor-ops';

/** insightface's `property` file: `num_classes,height,width`, optionally followed by more lines. */
export interface DatasetProperty {
  readonly numClasses: number;
  readonly height: number;
  readonly width: number;
  /** Lines after the first (image count, "shuffled", a date, ...), kept as they are. */
  readonly extraLines: readonly string[];
}

/**
 * Parses a `property` file. Only the first line is required; later lines (written by newer
 * insightface tools) are kept but not interpreted.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} when the first line is not three positive integers.
 */
export function parseProperty(text: string, file: string): DatasetProperty {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const fields = (lines[0] ?? '').split(',').map((field) => field.trim());
  const numbers = fields.map(Number);
  if (fields.length !== 3 || !numbers.every((value) => Number.isSafeInteger(value) && value > 0)) {
    throw new DatasetFormatError(
      file,
      0,
      `the first line must be "num_classes,height,width" (e.g. "93431,112,112"), got ${JSON.stringify(lines[0] ?? '')}`,
    );
  }
  const [numClasses, height, width] = numbers as [number, number, number];
  return { numClasses, height, width, extraLines: lines.slice(1) };
}

/** The text of a `property` file. */
export function formatProperty(property: DatasetProperty): string {
  return `${[`${property.numClasses},${property.height},${property.width}`, ...property.extraLines].join('\n')}\n`;
}

/** Reads a `property` file, or returns `undefined` when there is none. */
export async function readProperty(path: string): Promise<DatasetProperty | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseProperty(text, path);
}
