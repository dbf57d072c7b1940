import { describe, expect, it } from 'vitest';
import { crc32c, encodeEvent, encodeRecord, maskedCrc32c } from './tensorboard.js';

describe('TensorBoard event files', () => {
  it('CRC-32C gives the standard check value, and masks as TFRecord does', () => {
    const digits = new TextEncoder().encode('123456789');
    expect(crc32c(digits)).toBe(0xe3069283);
    // mask(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8, modulo 2^32, worked by hand for 0xe3069283.
    const rotated = ((0xe3069283 >>> 15) | (0xe3069283 << 17)) >>> 0;
    expect(maskedCrc32c(digits)).toBe((rotated + 0xa282ead8) >>> 0);
  });

  it('encodes a scalar event as the protobuf wire format', () => {
    const event = encodeEvent(1.5, 3, { scalars: { loss: 0.5 } });
    // field 1 (double) 1.5: 09 00 00 00 00 00 00 f8 3f; field 2 (varint) 3: 10 03;
    // field 5: 2a 0d [ field 1: 0a 0b [ 0a 04 'loss' 15 00 00 00 3f ] ]
    expect([...event]).toEqual([
      0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x10, 0x03, 0x2a, 0x0d, 0x0a, 0x0b, 0x0a, 0x04, 0x6c,
      0x6f, 0x73, 0x73, 0x15, 0, 0, 0, 0x3f,
    ]);
  });

  it('frames a record with its length and checksums', () => {
    const data = Uint8Array.from([1, 2, 3]);
    const record = encodeRecord(data);
    const view = new DataView(record.buffer);
    expect(record.length).toBe(19);
    expect(Number(view.getBigUint64(0, true))).toBe(3);
    expect(view.getUint32(8, true)).toBe(maskedCrc32c(record.subarray(0, 8)));
    expect([...record.subarray(12, 15)]).toEqual([1, 2, 3]);
    expect(view.getUint32(15, true)).toBe(maskedCrc32c(data));
  });
});
