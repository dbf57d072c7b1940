import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import manifest from '../../datasets/src/fixtures/images/manifest.json' with { type: 'json' };
import { decodeJpeg, nativeJpeg } from './index.js';

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
});
