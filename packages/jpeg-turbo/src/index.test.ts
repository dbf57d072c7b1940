import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import manifest from '../../datasets/src/fixtures/images/manifest.json' with { type: 'json' };
import { decodeJpeg, decodeJpegInto, nativeJpeg } from './index.js';

const fixture = async (name: string) =>
  new Uint8Array(
    await readFile(new URL(`../../datasets/src/fixtures/images/${name}`, import.meta.url)),
  );

// Without a C toolchain or libjpeg headers the decoder is not built; the package must then say
// why (tested below). CI installs both and sets BCTKIT_EXPECT_NATIVE_JPEG=1.
const built = nativeJpeg.available;

describe('@bctkit/jpeg-turbo', () => {
  it('is built where CI expects it, or explains why not', () => {
    if (process.env.BCTKIT_EXPECT_NATIVE_JPEG === '1')
      expect(nativeJpeg).toMatchObject({ available: true });
    if (!nativeJpeg.available) {
      expect(nativeJpeg.reason.length).toBeGreaterThan(0);
      expect(() => decodeJpeg(new Uint8Array([0xff, 0xd8]))).toThrow(
        /native JPEG decoder is unavailable/,
      );
    }
  });

  it.skipIf(!built).each(['baseline-112x96.jpg', 'progressive-112x96.jpg'] as const)(
    'decodes %s to exactly the pixels PIL gives (same libjpeg-turbo)',
    async (name) => {
      const image = decodeJpeg(await fixture(name));
      expect([image.width, image.height, image.channels]).toEqual([112, 96, 3]);
      manifest.decodedByPil[name].samples.forEach((rgb, k) => {
        expect([...image.data.subarray(k * 97 * 3, k * 97 * 3 + 3)]).toEqual(rgb);
      });
    },
  );

  it.skipIf(!built)('keeps grey JPEGs grey', async () => {
    const image = decodeJpeg(await fixture('grey-40x24.jpg'));
    expect([image.width, image.height, image.channels]).toEqual([40, 24, 1]);
    expect([...image.data]).toEqual(manifest.greyJpegDecodedByPil);
  });

  it.skipIf(!built)(
    'throws a libjpeg message for corrupt, truncated or non-JPEG input',
    async () => {
      const jpeg = await fixture('baseline-112x96.jpg');
      expect(() => decodeJpeg(jpeg.subarray(0, jpeg.length - 40))).toThrow(/^libjpeg: /);
      expect(() => decodeJpeg(new Uint8Array([1, 2, 3, 4]))).toThrow(/^libjpeg: Not a JPEG file/);
      expect(() => decodeJpeg('not bytes' as unknown as Uint8Array)).toThrow(
        'expected a Uint8Array of JPEG bytes',
      );
      expect(() => decodeJpeg(new Float32Array(4) as unknown as Uint8Array)).toThrow(
        'expected a Uint8Array',
      );
    },
  );

  it.skipIf(!built)(
    'decodes straight into normalised floats, flipped or not, at an offset',
    async () => {
      const bytes = await fixture('baseline-112x96.jpg');
      const pixels = decodeJpeg(bytes);
      const normalized = (value: number) => Math.fround((value / 255 - 0.5) / 0.5);
      for (const flip of [false, true]) {
        const out = new Float32Array(5 + 112 * 96 * 3).fill(7);
        decodeJpegInto(bytes, out, 5, 112, 96, 3, flip);
        expect([...out.subarray(0, 5)]).toEqual([7, 7, 7, 7, 7]);
        for (const [y, x] of [
          [0, 0],
          [10, 3],
          [95, 111],
          [50, 60],
        ] as const) {
          const source = (y * 112 + (flip ? 111 - x : x)) * 3;
          const target = 5 + (y * 112 + x) * 3;
          expect([...out.subarray(target, target + 3)]).toEqual(
            [...pixels.data.subarray(source, source + 3)].map(normalized),
          );
        }
      }
    },
  );

  it.skipIf(!built)(
    'repeats a grey JPEG into three channels, and checks size and room',
    async () => {
      const bytes = await fixture('grey-40x24.jpg');
      const out = new Float32Array(40 * 24 * 3);
      decodeJpegInto(bytes, out, 0, 40, 24, 3, false);
      const first = Math.fround((manifest.greyJpegDecodedByPil[1]! / 255 - 0.5) / 0.5);
      expect([...out.subarray(3, 6)]).toEqual([first, first, first]);
      expect(() =>
        decodeJpegInto(bytes, new Float32Array(41 * 24 * 3), 0, 41, 24, 3, false),
      ).toThrow('the image is 40x24, the loader expects 41x24');
      expect(() => decodeJpegInto(bytes, out, 1, 40, 24, 3, false)).toThrow(
        'the output array is too small',
      );
      const colour = await fixture('baseline-112x96.jpg');
      expect(() =>
        decodeJpegInto(colour, new Float32Array(112 * 96), 0, 112, 96, 1, false),
      ).toThrow('cannot turn a 3-channel image into 1 channels');
    },
  );
});
