import { type FileHandle, open } from 'node:fs/promises';
import { DatasetFormatError, InvalidConfigError } from '../errors/errors.js';
import { assertFiniteRows } from '../ops/assert-finite.js';
import { createHostMatrix, type HostMatrix } from '../ops/host-matrix.js';
import { writeFileAtomic } from './atomic-write.js';

/** Element types bctkit reads from `.npy` files (little-endian), and what they become. */
const DTYPES = {
  '<f4': { bytes: 4, read: (view: DataView, at: number) => view.getFloat32(at, true) },
  '<f8': { bytes: 8, read: (view: DataView, at: number) => view.getFloat64(at, true) },
  '<i4': { bytes: 4, read: (view: DataView, at: number) => view.getInt32(at, true) },
  '<i8': { bytes: 8, read: (view: DataView, at: number) => Number(view.getBigInt64(at, true)) },
  '|u1': { bytes: 1, read: (view: DataView, at: number) => view.getUint8(at) },
  '|b1': { bytes: 1, read: (view: DataView, at: number) => view.getUint8(at) },
} as const;

/** A `.npy` element type bctkit reads. */
export type NpyDtype = keyof typeof DTYPES;

/** The header of a `.npy` file. */
export interface NpyHeader {
  readonly dtype: NpyDtype;
  /** Dimensions; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Byte offset of the first element. */
  readonly dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Parses the header of a `.npy` file (format versions 1, 2 and 3) from its first bytes.
 * @throws {@link DatasetFormatError} for a non-npy file, Fortran order, or an unsupported dtype.
 */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  if (bytes.length === 0)
    throw new DatasetFormatError(file, 0, 'the file is empty (not a .npy file)');
  if (bytes.length < 10 || !MAGIC.every((byte, i) => bytes[i] === byte)) {
    throw new DatasetFormatError(file, 0, 'not a .npy file (no \\x93NUMPY magic)');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [lengthBytes, headerLength] =
    major === 1
      ? [2, view.getUint16(8, true)]
      : [4, bytes.length >= 12 ? view.getUint32(8, true) : -1];
  if (major < 1 || major > 3 || headerLength < 0)
    throw new DatasetFormatError(file, 6, `unsupported .npy format version ${major}`);
  const dataOffset = 8 + lengthBytes + headerLength;
  if (bytes.length < dataOffset)
    throw new DatasetFormatError(
      file,
      8,
      `the header announces ${headerLength} bytes but the file is shorter`,
    );
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(8 + lengthBytes, dataOffset),
  );
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DatasetFormatError(
      file,
      8 + lengthBytes,
      `malformed .npy header: ${JSON.stringify(text.trim().slice(0, 120))}`,
    );
  }
  if (!(descr in DTYPES)) {
    throw new DatasetFormatError(
      file,
      8 + lengthBytes,
      `unsupported dtype '${descr}' (supported: ${Object.keys(DTYPES).join(', ')})`,
    );
  }
  if (fortran === 'True')
    throw new DatasetFormatError(
      file,
      8 + lengthBytes,
      'Fortran-ordered arrays are not supported; save with np.ascontiguousarray',
    );
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  if (!shape.every((dimension) => Number.isSafeInteger(dimension) && dimension >= 0)) {
    throw new DatasetFormatError(file, 8 + lengthBytes, `bad shape (${shapeText})`);
  }
  return { dtype: descr as NpyDtype, shape, dataOffset };
}

/** The `.npy` v1.0 header for a C-ordered float32 array, padded so data starts at a multiple of 64. */
function float32Header(shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let text = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const padding = (64 - ((10 + text.length + 1) % 64)) % 64;
  text = `${text}${' '.repeat(padding)}\n`;
  const out = new Uint8Array(10 + text.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  return out;
}

/** Options of {@link NpyFile.open} and {@link readNpy}. */
export interface NpyReadOptions {
  /**
   * Refuse NaN and infinite values, naming the first such row, as rows are read. Default true:
   * bctkit's `.npy` files hold features, flags and prototypes, which must be finite.
   */
  readonly finite?: boolean;
  /**
   * Accept arrays of more than two dimensions, read as `[shape[0], product of the rest]`.
   * Default false: a `(344, 4, 4)` array is refused rather than flattened without a word.
   */
  readonly flatten?: boolean;
}

/**
 * A `.npy` file opened for reading rows on demand, so a features file larger than memory (MS1MV3:
 * 5.2 M x 512 float32 = 10 GB) can be read block by block.
 */
export class NpyFile {
  readonly path: string;
  readonly header: NpyHeader;
  /** Rows (the first dimension) and elements per row (the product of the others). */
  readonly rows: number;
  readonly cols: number;
  private readonly handle: FileHandle;
  private readonly finite: boolean;

  private constructor(path: string, handle: FileHandle, header: NpyHeader, finite: boolean) {
    this.path = path;
    this.handle = handle;
    this.header = header;
    this.finite = finite;
    this.rows = header.shape[0] ?? 1;
    this.cols = header.shape.slice(1).reduce((product, dimension) => product * dimension, 1);
  }

  /**
   * Opens a `.npy` file and checks that its size matches its header, and its rank.
   * @throws {@link DatasetFormatError} for a directory, a bad header, a truncated file or (without
   *   `flatten`) an array of more than two dimensions.
   */
  static async open(path: string, options: NpyReadOptions = {}): Promise<NpyFile> {
    const handle = await open(path, 'r');
    try {
      const stats = await handle.stat();
      if (!stats.isFile())
        throw new DatasetFormatError(path, undefined, 'is not a file (a .npy file was expected)');
      const { size } = stats;
      const head = new Uint8Array(Math.min(size, 65536 + 12));
      await handle.read(head, 0, head.length, 0);
      const header = parseNpyHeader(head, path);
      const elements = header.shape.reduce((product, dimension) => product * dimension, 1);
      const expected = header.dataOffset + elements * DTYPES[header.dtype].bytes;
      if (size !== expected) {
        throw new DatasetFormatError(
          path,
          header.dataOffset,
          `shape (${header.shape.join(', ')}) of ${header.dtype} needs ${expected} bytes, the file has ${size} (truncated or wrong header?)`,
        );
      }
      if (header.shape.length > 2 && options.flatten !== true)
        throw new DatasetFormatError(
          path,
          undefined,
          `shape (${header.shape.join(', ')}) has ${header.shape.length} dimensions; bctkit reads [rows, cols] matrices: reshape it to (${header.shape[0]}, ${header.shape.slice(1).reduce((a, b) => a * b, 1)}) first`,
        );
      return new NpyFile(path, handle, header, options.finite ?? true);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Rows `[start, end)` as float32, row-major. */
  async readRows(start = 0, end = this.rows): Promise<HostMatrix> {
    if (
      !(
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        0 <= start &&
        start <= end &&
        end <= this.rows
      )
    ) {
      throw new InvalidConfigError('rows', `[${start}, ${end}) is outside [0, ${this.rows})`);
    }
    const { bytes, read } = DTYPES[this.header.dtype];
    const count = (end - start) * this.cols;
    const raw = new Uint8Array(count * bytes);
    await this.handle.read(raw, 0, raw.length, this.header.dataOffset + start * this.cols * bytes);
    let data: Float32Array;
    if (this.header.dtype === '<f4' && raw.byteOffset % 4 === 0) {
      data = new Float32Array(raw.buffer, raw.byteOffset, count);
    } else {
      data = new Float32Array(count);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < count; i++) data[i] = read(view, i * bytes);
    }
    if (this.finite) assertFiniteRows(data, this.cols, this.path, start);
    return createHostMatrix(data, end - start, this.cols);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/**
 * Reads a whole `.npy` file as a `[rows, cols]` float32 matrix (any supported dtype is converted;
 * a 1-D array is one column). Non-finite values are refused unless `finite: false`.
 * @throws {@link DatasetFormatError} for a bad or truncated file, or a NaN / infinite row.
 */
export async function readNpy(path: string, options: NpyReadOptions = {}): Promise<HostMatrix> {
  const file = await NpyFile.open(path, options);
  try {
    return await file.readRows();
  } finally {
    await file.close();
  }
}

/**
 * Writes a float32 matrix as a `.npy` file (format 1.0, C order), atomically.
 * @param shape default `[rows, cols]` of the matrix.
 */
export async function writeNpy(
  path: string,
  matrix: HostMatrix,
  shape: readonly number[] = [matrix.rows, matrix.cols],
): Promise<void> {
  const elements = shape.reduce((product, dimension) => product * dimension, 1);
  if (elements !== matrix.data.length) {
    throw new InvalidConfigError(
      'shape',
      `(${shape.join(', ')}) holds ${elements} values, the matrix has ${matrix.data.length}`,
    );
  }
  const header = float32Header(shape);
  const out = new Uint8Array(header.length + matrix.data.byteLength);
  out.set(header, 0);
  out.set(
    new Uint8Array(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength),
    header.length,
  );
  await writeFileAtomic(path, out);
}
