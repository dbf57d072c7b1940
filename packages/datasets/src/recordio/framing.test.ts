import { describe, expect, it } from 'vitest';
import { encodeRecord, joinParts, PartFlag, paddingFor, RECORDIO_MAGIC } from './framing.js';

const MAGIC = [0x0a, 0x23, 0xd7, 0xce];

/** Parses encoded parts by hand: [flag, data] per part. */
function parts(bytes: Uint8Array): [number, number[]][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: [number, number[]][] = [];
  let position = 0;
  while (position < bytes.length) {
    expect(view.getUint32(position, true)).toBe(RECORDIO_MAGIC);
    const lrec = view.getUint32(position + 4, true);
    const length = lrec & 0x1fffffff;
    out.push([lrec >>> 29, [...bytes.subarray(position + 8, position + 8 + length)]]);
    position += 8 + length + paddingFor(length);
  }
  expect(position).toBe(bytes.length);
  return out;
}

describe('RecordIO framing', () => {
  it('pads to 4 bytes', () => {
    expect([0, 1, 2, 3, 4, 5].map(paddingFor)).toEqual([0, 3, 2, 1, 0, 3]);
  });

  it('writes a short record as one complete, padded part (hand-computed bytes)', () => {
    expect([...encodeRecord(new Uint8Array([1, 2, 3]))]).toEqual([
      0x0a, 0x23, 0xd7, 0xce, 3, 0, 0, 0, 1, 2, 3, 0,
    ]);
    expect([...encodeRecord(new Uint8Array(0))]).toEqual([...MAGIC, 0, 0, 0, 0]);
  });

  it('splits at 4-aligned magics, dropping them, with flags first / middle / last', () => {
    const payload = new Uint8Array([9, 9, 9, 9, ...MAGIC, 7, 7, 7, 7, ...MAGIC, 5, 5]);
    const encoded = encodeRecord(payload);
    expect(parts(encoded)).toEqual([
      [PartFlag.first, [9, 9, 9, 9]],
      [PartFlag.middle, [7, 7, 7, 7]],
      [PartFlag.last, [5, 5]],
    ]);
    // The second part's lrec is (2 << 29) | 4.
    expect(new DataView(encoded.buffer).getUint32(12 + 4, true)).toBe(((2 << 29) | 4) >>> 0);
  });

  it('does not split at an unaligned magic, nor at one that overlaps the end', () => {
    const unaligned = new Uint8Array([1, ...MAGIC, 2, 3, 4]);
    expect(parts(encodeRecord(unaligned))).toEqual([[PartFlag.complete, [...unaligned]]]);
    const partial = new Uint8Array([1, 2, 3, 4, 0x0a, 0x23, 0xd7]);
    expect(parts(encodeRecord(partial))).toEqual([[PartFlag.complete, [...partial]]]);
  });

  it('handles a magic at the very start and a payload that is only the magic', () => {
    expect(parts(encodeRecord(new Uint8Array([...MAGIC, 1])))).toEqual([
      [PartFlag.first, []],
      [PartFlag.last, [1]],
    ]);
    expect(parts(encodeRecord(new Uint8Array(MAGIC)))).toEqual([
      [PartFlag.first, []],
      [PartFlag.last, []],
    ]);
  });

  it('restores the payload by joining parts with the magic', () => {
    const payload = new Uint8Array([...MAGIC, 1, 2, 3, 4, ...MAGIC, ...MAGIC, 8]);
    const data = parts(encodeRecord(payload)).map(([, bytes]) => Uint8Array.from(bytes));
    expect([...joinParts(data)]).toEqual([...payload]);
  });
});
