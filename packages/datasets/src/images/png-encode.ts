import { crc32, deflateSync } from 'node:zlib';
import { InvalidConfigError } from '@bctkit/tensor-ops';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, false);
  const typeAndData = out.subarray(4, 8 + data.length);
  typeAndData.set(Buffer.from(type, 'latin1'), 0);
  typeAndData.set(data, 4);
  view.setUint32(8 + data.length, crc32(typeAndData), false);
  return out;
}

/**
 * Encodes 8-bit grey or RGB pixels (row-major `[height, width, channels]`) as a PNG: lossless,
 * so packing IDX datasets (MNIST, Fashion-MNIST) into RecordIO keeps every pixel value.
 */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new InvalidConfigError(
      'pixels',
      `expected ${width * height * channels} bytes for ${width}x${height}x${channels}, got ${pixels.length}`,
    );
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width, false);
  view.setUint32(4, height, false);
  header[8] = 8; // bits per channel
  header[9] = channels === 1 ? 0 : 2; // grey or truecolour
  const stride = width * channels;
  const filtered = new Uint8Array(height * (stride + 1)); // filter byte 0 (none) before each row
  for (let y = 0; y < height; y++)
    filtered.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filtered)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
