import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DatasetFormatError } from '@bctkit/tensor-ops';

/** A parsed IDX array (the MNIST / Fashion-MNIST file format), unsigned bytes only. */
export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** Options of {@link readIdxFile}. */
export interface ReadIdxOptions {
  /** Refuse files that decompress beyond this many bytes. Default 1 GiB. */
  maxBytes?: number;
}

const UNSIGNED_BYTE = 0x08;

/**
 * Parses IDX bytes: two zero bytes, a type code (only 0x08, unsigned byte, is used by MNIST and
 * Fashion-MNIST), the number of dimensions, each dimension as a big-endian uint32, then the data.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} for a bad header or a size that disagrees with the dimensions.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetFormatError(
      file,
      0,
      'not an IDX file (expected two zero bytes, a type code and a dimension count)',
    );
  }
  if (bytes[2] !== UNSIGNED_BYTE) {
    throw new DatasetFormatError(
      file,
      2,
      `IDX type code 0x${bytes[2]!.toString(16)} is not supported (only 0x08, unsigned bytes)`,
    );
  }
  const dimensions = bytes[3]!;
  const headerBytes = 4 + 4 * dimensions;
  if (dimensions === 0 || bytes.length < headerBytes) {
    throw new DatasetFormatError(
      file,
      3,
      `IDX header announces ${dimensions} dimensions but the file is ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let size = 1;
  for (let i = 0; i < dimensions; i++) {
    const dimension = view.getUint32(4 + 4 * i, false);
    shape.push(dimension);
    size *= dimension;
  }
  if (bytes.length - headerBytes !== size) {
    throw new DatasetFormatError(
      file,
      headerBytes,
      `IDX dimensions [${shape.join(', ')}] need ${size} data bytes, the file has ${bytes.length - headerBytes} (truncated or corrupt?)`,
    );
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

/** Reads an IDX file, gunzipping it first when it is gzip-compressed (`*-ubyte.gz`). */
export async function readIdxFile(path: string, options: ReadIdxOptions = {}): Promise<IdxArray> {
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new DatasetFormatError(
      path,
      undefined,
      `cannot read the IDX file: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  let bytes = raw;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = new Uint8Array(gunzipSync(raw, { maxOutputLength: options.maxBytes ?? 2 ** 30 }));
    } catch (cause) {
      throw new DatasetFormatError(path, undefined, `cannot gunzip: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  return parseIdx(bytes, path);
}
