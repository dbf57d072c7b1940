import { gzipSync } from 'node:zlib';
import { DatasetFormatError } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import { parseIdx, readIdxFile } from './idx-file.js';

/** An IDX file built by hand: 00 00 08 <ndims>, big-endian dims, data. */
function idx(shape: number[], data: number[]): Uint8Array {
  const header = [
    0,
    0,
    0x08,
    shape.length,
    ...shape.flatMap((d) => [(d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]),
  ];
  return Uint8Array.from([...header, ...data]);
}

describe('parseIdx', () => {
  it('reads the shape (big-endian) and the data (hand-built file)', () => {
    const parsed = parseIdx(idx([2, 1, 3], [1, 2, 3, 4, 5, 6]), 'x.idx');
    expect(parsed.shape).toEqual([2, 1, 3]);
    expect([...parsed.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parseIdx(idx([300], Array(300).fill(7)), 'y').shape).toEqual([300]);
  });

  it.each([
    [Uint8Array.from([1, 0, 8, 1]), /not an IDX file/],
    [Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), /type code 0xd is not supported/],
    [Uint8Array.from([0, 0, 8, 2, 0, 0]), /announces 2 dimensions/],
    [idx([2, 2], [1, 2, 3]), /need 4 data bytes, the file has 3/],
    [idx([0xffffffff, 0xffffffff], []), /need .* data bytes, the file has 0/],
  ])('rejects malformed input %#', (bytes, pattern) => {
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(DatasetFormatError);
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(pattern);
  });

  it('is what readIdxFile gets after gunzip', () => {
    expect(gzipSync(idx([1], [5]))[0]).toBe(0x1f);
  });
});

describe('readIdxFile', () => {
  it('names a file it cannot read', async () => {
    await expect(readIdxFile('/no/such/dir/train-images-idx3-ubyte')).rejects.toThrow(
      /\/no\/such\/dir\/train-images-idx3-ubyte: cannot read the IDX file: ENOENT/,
    );
  });
});
