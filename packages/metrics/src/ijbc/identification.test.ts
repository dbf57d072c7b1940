import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHostMatrix, readNpy } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import expected from '../fixtures/ijbc/expected.json' with { type: 'json' };
import { searchGallery } from '../identification/open-set-search.js';
import { evaluateIjbcIdentification, readTemplateList } from './evaluate-identification.js';
import { readIjbcMeta } from './read-meta.js';

const fixtures = fileURLToPath(new URL('../fixtures/ijbc/', import.meta.url));
const metaDirectory = join(fixtures, 'meta');
/** Python's repr of the FPIRs -> our String(fpir) keys. */
const byOurKeys = (record: Record<string, number>) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [String(Number(key)), value]));

describe('IJB-C 1:N against a numpy implementation of the ijb_evals procedure', () => {
  it.each(['self', 'cross'] as const)(
    '%s: rank-1/5/10 and TPIR at every FPIR, per gallery and combined',
    async (test) => {
      const report = await evaluateIjbcIdentification({
        metaDirectory,
        meta: await readIjbcMeta(metaDirectory),
        features: await readNpy(join(fixtures, 'new.npy')),
        oldFeatures: await readNpy(join(fixtures, 'old.npy')),
      });
      const reference = expected.identification[test];
      const result = report.tests[test]!;
      expect(result.rank).toEqual(reference.rank);
      for (const [key, value] of Object.entries(byOurKeys(reference.tpir)))
        expect(result.tpir[key]).toBeCloseTo(value, 12);
      result.galleries.forEach((gallery, i) => {
        const expectedGallery = reference.galleries[i]!;
        expect({ mated: gallery.mated, nonMated: gallery.nonMated, hits: gallery.hits }).toEqual({
          mated: expectedGallery.mated,
          nonMated: expectedGallery.nonMated,
          hits: expectedGallery.hits,
        });
        expect(gallery.tpir).toEqual(byOurKeys(expectedGallery.tpir));
      });
    },
  );

  it('reads the 1:N lists: unique templates with their subjects', async () => {
    const list = await readTemplateList(join(metaDirectory, 'ijbc_1N_gallery_G1.csv'));
    expect(list.templates).toHaveLength(15);
    expect([list.templates[0], list.subjects[0]]).toEqual([1003, 0]);
  });
});

describe('searchGallery', () => {
  const unit = (rows: number[][]) =>
    createHostMatrix(Float32Array.from(rows.flat()), rows.length, 2);

  it('computes ranks and TPIR by hand', () => {
    // gallery: subject 1 at (1, 0), subject 2 at (0, 1); probes: subject 1 near (1, 0), subject 2
    // closer to subject 1's template (a rank-2 hit), subject 9 (non-mated) at 0.8.
    const gallery = unit([
      [1, 0],
      [0, 1],
    ]);
    const probes = unit([
      [0.99, 0.141],
      [0.8, 0.6],
      [0.8, -0.6],
    ]);
    const result = searchGallery(probes, [1, 2, 9], gallery, [1, 2], { ranks: [1, 2], fpirs: [1] });
    expect(result).toEqual({ mated: 2, nonMated: 1, hits: { '1': 1, '2': 2 }, tpir: { '1': 0.5 } });
    // threshold = the non-mated best score 0.8; probe 1 scores 0.99 > 0.8 and is rank 1.
  });

  it('refuses a gallery with two templates of one subject', () => {
    const gallery = unit([
      [1, 0],
      [0, 1],
    ]);
    expect(() => searchGallery(unit([[1, 0]]), [1], gallery, [3, 3])).toThrow(
      'subject 3 has more than one gallery template',
    );
  });
});
