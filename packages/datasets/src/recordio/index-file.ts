import { readFile } from 'node:fs/promises';
import { DatasetFormatError } from '@bctkit/tensor-ops';

/** A parsed `.idx` file: record keys and the byte offsets of their first parts, in file order. */
export interface RecordIndex {
  /** Keys in the order the lines appear (MXNet's write order). */
  readonly keys: readonly number[];
  /** Offsets, parallel to `keys`. */
  readonly offsets: readonly number[];
  /** Key -> offset. */
  readonly offsetOf: ReadonlyMap<number, number>;
}

/** Builds a {@link RecordIndex} from parallel key and offset lists. */
export function createRecordIndex(
  keys: readonly number[],
  offsets: readonly number[],
): RecordIndex {
  const offsetOf = new Map(keys.map((key, i) => [key, offsets[i]!] as const));
  return { keys, offsets, offsetOf };
}

/**
 * Parses `.idx` text: one `key<TAB>offset` line per record, decimal integers.
 * @param recordFileSize when given, offsets at or past it are rejected.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} naming the line of a malformed, duplicate or out-of-range entry.
 */
export function parseRecordIndex(text: string, file: string, recordFileSize?: number): RecordIndex {
  const keys: number[] = [];
  const offsets: number[] = [];
  const seen = new Set<number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const match = /^(\d+)\s+(\d+)$/.exec(line);
    if (match === null) {
      throw new DatasetFormatError(
        file,
        undefined,
        `line ${i + 1} is not "<key>\\t<offset>": ${JSON.stringify(line.slice(0, 60))}`,
      );
    }
    const key = Number(match[1]);
    const offset = Number(match[2]);
    if (!Number.isSafeInteger(key) || !Number.isSafeInteger(offset)) {
      throw new DatasetFormatError(file, undefined, `line ${i + 1}: number too large`);
    }
    if (seen.has(key))
      throw new DatasetFormatError(file, undefined, `line ${i + 1}: key ${key} appears twice`);
    if (recordFileSize !== undefined && offset >= recordFileSize) {
      throw new DatasetFormatError(
        file,
        undefined,
        `line ${i + 1}: key ${key} points at byte ${offset}, past the end of the .rec file (${recordFileSize} bytes)`,
        { record: key },
      );
    }
    seen.add(key);
    keys.push(key);
    offsets.push(offset);
  }
  return createRecordIndex(keys, offsets);
}

/** Reads and parses an `.idx` file. */
export async function readRecordIndex(path: string, recordFileSize?: number): Promise<RecordIndex> {
  return parseRecordIndex(await readFile(path, 'utf8'), path, recordFileSize);
}

/** The `.idx` text for an index, in its order. */
export function formatRecordIndex(index: RecordIndex): string {
  let text = '';
  for (let i = 0; i < index.keys.length; i++) text += `${index.keys[i]}\t${index.offsets[i]}\n`;
  return text;
}
