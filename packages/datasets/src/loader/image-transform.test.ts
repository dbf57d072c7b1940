import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import manifest from '../fixtures/images/manifest.json' with { type: 'json' };
import {
  decodeImage,
  decodeJpegPortable,
  jpegDecoder,
  processImages,
  writeNormalized,
} from './image-transform.js';

const fixture = async (name: string) =>
  new Uint8Array(await readFile(new URL(`../fixtures/images/${name}`, import.meta.url)));

/** Largest difference from PIL's pixels over the sampled pixels. */
function worstDifference(
  image: { data: Uint8Array },
  name: 'baseline-112x96.jpg' | 'progressive-112x96.jpg',
): number {
  let worst = 0;
  manifest.decodedByPil[name].samples.forEach((rgb, k) => {
    for (let c = 0; c < 3; c++)
      worst = Math.max(worst, Math.abs(image.data[k * 97 * 3 + c]! - rgb[c]!));
  });
  return worst;
}

describe('decodeImage', () => {
  it.each(['baseline-112x96.jpg', 'progressive-112x96.jpg'] as const)(
    'decodes %s exactly as PIL does when libjpeg-turbo is used (same library)',
    async (name) => {
      const decoder = jpegDecoder();
      const image = decodeImage(await fixture(name));
      expect([image.width, image.height, image.channels]).toEqual([112, 96, 3]);
      expect(worstDifference(image, name)).toBeLessThanOrEqual(decoder.native ? 0 : 3);
    },
  );

  it('uses the native decoder where it was built, and says why not otherwise', () => {
    const decoder = jpegDecoder();
    if (process.env.BCTKIT_JPEG_DECODER === 'jpeg-js')
      expect(decoder).toMatchObject({ name: 'jpeg-js', native: false });
    // CI builds the native decoder and sets this, so a broken build cannot pass unnoticed.
    if (process.env.BCTKIT_EXPECT_NATIVE_JPEG === '1')
      expect(decoder).toEqual({ name: 'libjpeg-turbo', native: true });
    if (!decoder.native) expect(decoder.reason.length).toBeGreaterThan(0);
  });

  it.each(['baseline-112x96.jpg', 'progressive-112x96.jpg'] as const)(
    'decodes %s with jpeg-js like PIL (libjpeg) within 3 grey levels',
    async (name) => {
      const image = decodeJpegPortable(await fixture(name));
      expect([image.width, image.height, image.channels]).toEqual([112, 96, 3]);
      const expected = manifest.decodedByPil[name];
      let worst = 0;
      expected.samples.forEach((rgb, k) => {
        for (let c = 0; c < 3; c++)
          worst = Math.max(worst, Math.abs(image.data[k * 97 * 3 + c]! - rgb[c]!));
      });
      expect(worst).toBeLessThanOrEqual(3);
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let i = c; i < image.data.length; i += 3) sum += image.data[i]!;
        expect(Math.abs(sum / (112 * 96) - expected.mean[c]!)).toBeLessThan(0.5);
      }
    },
  );

  it('decodes a grey PNG written by PIL exactly', async () => {
    const image = decodeImage(await fixture('grey-5x3.png'));
    expect({ ...image, data: [...image.data] }).toEqual({
      data: manifest.greyPixels,
      height: 3,
      width: 5,
      channels: 1,
    });
  });

  it('rejects other data', () => {
    expect(() => decodeImage(new Uint8Array([1, 2, 3]))).toThrow(
      'not a JPEG, PNG, PGM or PPM image',
    );
    expect(() => decodeImage(new Uint8Array([0xff, 0xd8, 0, 0]))).toThrow();
  });

  it('fails cleanly (an Error, never a crash) on 300 corrupted and truncated JPEGs', async () => {
    const jpeg = await fixture('baseline-112x96.jpg');
    let seed = 17;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let failed = 0;
    for (let i = 0; i < 300; i++) {
      const mutated = i % 3 === 0 ? jpeg.subarray(0, next(jpeg.length)) : Uint8Array.from(jpeg);
      if (i % 3 !== 0)
        for (let k = 0; k < 1 + next(6); k++) mutated[2 + next(mutated.length - 2)] = next(256);
      try {
        decodeImage(mutated);
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        failed += 1;
      }
    }
    expect(failed).toBeGreaterThan(50);
  });
});

describe('writeNormalized', () => {
  const image = {
    data: Uint8Array.from([0, 255, 128, 51]),
    height: 2,
    width: 2,
    channels: 1 as const,
  };

  it('maps x to (x / 255 - 0.5) / 0.5 (hand-computed)', () => {
    const out = new Float32Array(4);
    writeNormalized(image, false, 1, out, 0);
    expect([...out]).toEqual([-1, 1, 0.003921568859368563, -0.6000000238418579]);
  });

  it('mirrors each row when flipping, and repeats grey into RGB', () => {
    const out = new Float32Array(2 + 12);
    writeNormalized(image, true, 3, out, 2);
    const expected = [1, -1, -0.6000000238418579, 0.003921568859368563]; // rows [255, 0], [51, 128]
    expect([...out.subarray(2)]).toEqual(expected.flatMap((value) => [value, value, value]));
    expect([...out.subarray(0, 2)]).toEqual([0, 0]);
  });

  it('refuses to drop colour', () => {
    const rgb = { data: new Uint8Array(12), height: 2, width: 2, channels: 3 as const };
    expect(() => writeNormalized(rgb, false, 1, new Float32Array(4), 0)).toThrow(
      'cannot turn a 3-channel image into 1 channels',
    );
  });
});

describe('processImages', () => {
  it('reports the first bad image by position', () => {
    const good = {
      kind: 'pixels' as const,
      data: new Uint8Array(4),
      height: 2,
      width: 2,
      channels: 1 as const,
    };
    const wrongSize = { ...good, data: new Uint8Array(6), width: 3 };
    expect(() =>
      processImages(
        [
          { image: good, flip: false },
          { image: wrongSize, flip: false },
        ],
        2,
        2,
        1,
      ),
    ).toThrow(
      expect.objectContaining({ item: 1, message: 'the image is 3x2, the loader expects 2x2' }),
    );
  });
});
