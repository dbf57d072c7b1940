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

/** The first position where two float arrays differ (undefined when equal): a short failure report. */
function firstDifference(actual: Float32Array, expected: Float32Array) {
  if (actual.length !== expected.length)
    return { length: actual.length, expected: expected.length };
  const index = actual.findIndex((value, i) => !Object.is(value, expected[i]));
  return index < 0 ? undefined : { index, actual: actual[index], expected: expected[index] };
}

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
    'decodes straight into normalised floats, flipped or not, at an offset: every value',
    async () => {
      const bytes = await fixture('baseline-112x96.jpg');
      const pixels = decodeJpeg(bytes);
      // The fixture's gradients decode to all 256 byte values, so this checks the normalisation of
      // each one (the add-on computes it in a vectorised form, not with this formula).
      expect(new Set(pixels.data).size).toBe(256);
      const normalized = (value: number) => Math.fround((value / 255 - 0.5) / 0.5);
      for (const flip of [false, true]) {
        const out = new Float32Array(5 + 112 * 96 * 3 + 4).fill(7);
        decodeJpegInto(bytes, out, 5, 112, 96, 3, flip);
        expect([...out.subarray(0, 5)]).toEqual([7, 7, 7, 7, 7]);
        expect([...out.subarray(5 + 112 * 96 * 3)]).toEqual([7, 7, 7, 7]);
        const expected = new Float32Array(112 * 96 * 3);
        for (let y = 0; y < 96; y++)
          for (let x = 0; x < 112; x++)
            for (let c = 0; c < 3; c++)
              expected[(y * 112 + x) * 3 + c] = normalized(
                pixels.data[(y * 112 + (flip ? 111 - x : x)) * 3 + c]!,
              );
        expect(firstDifference(out.subarray(5, 5 + 112 * 96 * 3), expected)).toBeUndefined();
      }
    },
  );

  it.skipIf(!built)('gives the same pixels whatever the alignment of the output', async () => {
    // Rows are decoded into a buffer of the add-on's own, then copied: the caller's alignment must
    // not matter (libjpeg-turbo switches to other store instructions for aligned rows).
    const bytes = await fixture('baseline-112x96.jpg');
    const reference = decodeJpeg(bytes).data;
    const normalized = Float32Array.from(reference, (value) =>
      Math.fround((value / 255 - 0.5) / 0.5),
    );
    for (const offset of [0, 1, 2, 3, 4, 8]) {
      const out = new Float32Array(offset + 112 * 96 * 3);
      decodeJpegInto(bytes, out, offset, 112, 96, 3, false);
      expect(firstDifference(out.subarray(offset), normalized)).toBeUndefined();
    }
  });

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
