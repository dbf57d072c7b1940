import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/images/resize.json' with { type: 'json' };
import { decodeImage } from './image-transform.js';
import { decodePnm, isPnm } from './pnm-decode.js';

// Reference: files written and decoded by Pillow (tooling/reference/resize_fixtures.py).
describe('decodePnm', () => {
  it('decodes a binary PGM (P5) written by Pillow', () => {
    const image = decodeImage(Uint8Array.from(fixture.p5));
    expect([image.width, image.height, image.channels]).toEqual([23, 17, 1]);
    expect(Array.from(image.data)).toEqual(fixture.grey);
  });

  it('decodes a binary PPM (P6) written by Pillow', () => {
    const image = decodeImage(Uint8Array.from(fixture.p6));
    expect([image.width, image.height, image.channels]).toEqual([23, 17, 3]);
    expect(Array.from(image.data)).toEqual(fixture.rgb);
  });

  it('decodes an ASCII PGM with a comment and maximum 15 as Pillow does', () => {
    const image = decodePnm(new TextEncoder().encode(fixture.p2));
    expect([image.width, image.height, image.channels]).toEqual([4, 3, 1]);
    expect(Array.from(image.data)).toEqual(fixture.p2Decoded);
  });

  it('scales 16-bit big-endian samples to 8 bits', () => {
    const bytes = Uint8Array.of(
      ...new TextEncoder().encode('P5 2 1 65535\n'),
      0xff,
      0xff,
      0x80,
      0x00,
    );
    // 65535 -> 255; 32768 * 255 / 65535 = 127.50 -> 128
    expect(Array.from(decodePnm(bytes).data)).toEqual([255, 128]);
  });

  it.each([
    ['P5 4 4 255\n\u0001\u0002', 'truncated: 2 of 16 sample bytes'],
    ['P5 4', 'header ends early'],
    ['P5 0 4 255\n', 'is 0x4'],
    ['P5 2 1 0\n\u0000\u0000', 'maximum value is 0'],
    ['P2 2 1 9\n3 12', 'exceeds the maximum 9'],
    ['P2 2 1 9\n3', 'ends after 1 of 2 samples'],
    ['P5 x', 'unexpected byte 0x78'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => decodePnm(new TextEncoder().encode(text))).toThrow(message);
  });

  it('recognises P2, P3, P5 and P6 only', () => {
    expect(
      ['P2', 'P3', 'P5', 'P6', 'P4', 'P1', 'PX'].map((m) =>
        isPnm(new TextEncoder().encode(`${m} `)),
      ),
    ).toEqual([true, true, true, true, false, false, false]);
  });
});
