import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readImageInfo } from './image-info.js';
import { encodePng } from './png-encode.js';

/** Minimal independent PNG reader: checks every chunk CRC, inflates IDAT, undoes filter 0 rows. */
function decodeFilterNonePng(png: Uint8Array) {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Record<string, Uint8Array> = {};
  let position = 8;
  while (position < png.length) {
    const length = view.getUint32(position, false);
    const type = Buffer.from(png.subarray(position + 4, position + 8)).toString('latin1');
    expect(view.getUint32(position + 8 + length, false), `${type} CRC`).toBe(
      crc32(png.subarray(position + 4, position + 8 + length)),
    );
    chunks[type] = png.subarray(position + 8, position + 8 + length);
    position += 12 + length;
  }
  const header = new DataView(chunks.IHDR!.buffer, chunks.IHDR!.byteOffset, 13);
  const width = header.getUint32(0, false);
  const height = header.getUint32(4, false);
  const channels = chunks.IHDR![9] === 0 ? 1 : 3;
  const raw = inflateSync(chunks.IDAT!);
  const stride = width * channels;
  const pixels: number[] = [];
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)]).toBe(0);
    pixels.push(...raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
  }
  expect(Object.keys(chunks)).toEqual(['IHDR', 'IDAT', 'IEND']);
  return { width, height, channels, bitDepth: chunks.IHDR![8], pixels };
}

describe('encodePng', () => {
  it('stores grey pixels losslessly', () => {
    const pixels = Uint8Array.from({ length: 15 }, (_, i) => i * 17);
    expect(decodeFilterNonePng(encodePng(pixels, 5, 3, 1))).toEqual({
      width: 5,
      height: 3,
      channels: 1,
      bitDepth: 8,
      pixels: [...pixels],
    });
  });

  it('stores RGB pixels losslessly and is recognised as PNG', () => {
    const pixels = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => (i * 37) % 256);
    const png = encodePng(pixels, 4, 2, 3);
    expect(decodeFilterNonePng(png).pixels).toEqual([...pixels]);
    expect(readImageInfo(png)).toEqual({ format: 'png', width: 4, height: 2 });
  });

  it('checks the pixel count', () => {
    expect(() => encodePng(new Uint8Array(5), 2, 2, 1)).toThrow(
      'expected 4 bytes for 2x2x1, got 5',
    );
  });
});
