import { expectAllClose } from '@bctkit/test-utils';
import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/align/alignment.json' with { type: 'json' };
import { alignFace, estimateSimilarity, referencePoints, warpAffine } from './align.js';

// tooling/reference/alignment.py: scikit-image's SimilarityTransform and bilinear warp.
describe('face alignment', () => {
  it.each(fixture.estimates.map((c, i) => [i, c] as const))(
    'estimates the similarity transform as scikit-image (case %i)',
    (_, c) => {
      const matrix = estimateSimilarity(c.landmarks, referencePoints(112));
      expectAllClose(matrix, c.matrix, { atol: 1e-4, rtol: 1e-4 });
    },
  );

  it('maps the reference points onto themselves', () => {
    const reference = referencePoints(112);
    expectAllClose(estimateSimilarity(reference), [1, 0, 0, 0, 1, 0], { atol: 1e-12 });
    expectAllClose(
      referencePoints(224),
      Array.from(reference, (v) => 2 * v),
      { atol: 1e-12 },
    );
  });

  it('warps as scikit-image does (bilinear, zeros outside), up to rounding to bytes', () => {
    const { width, height, image, landmarks, warped } = fixture.warp;
    const aligned = alignFace(
      { data: Uint8Array.from(image), width, height, channels: 3 },
      landmarks,
    );
    expect([aligned.width, aligned.height, aligned.channels]).toEqual([112, 112, 3]);
    let worst = 0;
    for (let i = 0; i < warped.length; i++)
      worst = Math.max(worst, Math.abs(aligned.data[i]! - warped[i]!));
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-3);
    // The face lies partly outside this small image: the border is black.
    expect(aligned.data.filter((v) => v === 0).length).toBeGreaterThan(100);
  });

  it('refuses mismatched point lists and singular maps', () => {
    expect(() => estimateSimilarity([1, 2, 3], [1, 2, 3])).toThrow(/matching x, y lists/);
    expect(() => estimateSimilarity([1, 1, 1, 1], [0, 0, 1, 1])).toThrow(/coincide/);
    const image = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 };
    expect(() => warpAffine(image, [0, 0, 0, 0, 0, 0], 4)).toThrow(/singular/);
  });
});
