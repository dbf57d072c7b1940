import { readFile } from 'node:fs/promises';
import { DatasetFormatError } from '../errors/errors.js';
import { failureReason } from '../errors/system-errors.js';

/**
 * Reads a whole file; a missing or unreadable file becomes a {@link DatasetFormatError} naming
 * it: `<file>: cannot read <what>: <reason>`.
 * @param what what the file is, e.g. `the checkpoint`; omitted, the message says `cannot read`.
 */
export async function readFileOrFail(path: string, what?: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new DatasetFormatError(
      path,
      undefined,
      `cannot read${what === undefined ? '' : ` ${what}`}: ${failureReason(cause)}`,
      { cause },
    );
  }
}
