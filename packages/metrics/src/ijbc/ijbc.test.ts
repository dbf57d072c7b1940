import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createHostMatrix,
  DatasetFormatError,
  readNpy,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import expected from '../fixtures/ijbc/expected.json' with { type: 'json' };
import { aggregateTemplates } from './aggregate-templates.js';
import { evaluateIjbcVerification } from './evaluate-verification.js';
import { IJBC_META_FILES, parsePairFile, readIjbcMeta } from './read-meta.js';

const fixtures = fileURLToPath(new URL('../fixtures/ijbc/', import.meta.url));
const metaDirectory = join(fixtures, 'meta');

describe('readIjbcMeta', () => {
  it('reads the three meta files of the synthetic IJB-C-layout fixture', async () => {
    const meta = await readIjbcMeta(metaDirectory);
    expect(meta.names).toHaveLength(expected.images);
    expect([meta.names[0], meta.templates[0], meta.medias[0]]).toEqual(['1.jpg', 1003, 5002]);
    expect(meta.faceness[0]).toBe(Math.fround(0.555263));
    expect([...meta.landmarks.subarray(0, 2)]).toEqual([Math.fround(74.18), Math.fround(82.28)]);
    expect(meta.pairs.labels).toHaveLength(expected.pairs);
    expect([meta.pairs.left[0], meta.pairs.right[0], meta.pairs.labels[0]]).toEqual([
      1003, 1006, 1,
    ]);
    expect(new Set(meta.templates).size).toBe(expected.templates);
  });

  it('names the file and line of a malformed pair, and misaligned meta files', async () => {
    const bytes = new TextEncoder().encode('1 2 1\n3 4 0\n5 x 1\n');
    expect(() => parsePairFile(bytes, 'pairs.txt')).toThrow(
      /line 3: expected "template1 template2 label"/,
    );
    expect(() => parsePairFile(new TextEncoder().encode('1 2 3\n'), 'pairs.txt')).toThrow(
      /line 1: label 3 is not 0 or 1/,
    );
    expect([...parsePairFile(new TextEncoder().encode('7 8 1\r\n9 10 0'), 'p').right]).toEqual([
      8, 10,
    ]);
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-ijbc-'));
    for (const name of Object.values(IJBC_META_FILES))
      await copyFile(join(metaDirectory, name), join(directory, name));
    const landmarks = (await readFile(join(directory, IJBC_META_FILES.landmarks), 'utf8')).split(
      '\n',
    );
    await writeFile(join(directory, IJBC_META_FILES.landmarks), landmarks.slice(1).join('\n'));
    await expect(readIjbcMeta(directory)).rejects.toThrow(
      /must describe the same images row by row/,
    );
    await expect(readIjbcMeta(join(directory, 'missing'))).rejects.toThrow(DatasetFormatError);
  });
});

describe.each([
  ['with detector scores (insightface default)', true, expected.detectorScore],
  ['without detector scores', false, expected.noDetectorScore],
] as const)('IJB-C 1:1 %s, against a numpy port of eval_ijbc.py', (_, detectorScore, reference) => {
  it('builds the same template features (media mean, template sum, L2)', async () => {
    const meta = await readIjbcMeta(metaDirectory);
    const templates = aggregateTemplates(
      await readNpy(join(fixtures, 'new.npy')),
      meta.templates,
      meta.medias,
      {
        faceness: detectorScore ? meta.faceness : undefined,
      },
    );
    expect([...templates.ids.subarray(0, 5)]).toEqual(reference.templateIds);
    reference.newTemplateFeatures.forEach((row, r) => {
      for (const [k, value] of row.entries()) {
        expect(templates.features.data[r * templates.features.cols + k]).toBeCloseTo(value, 5);
      }
    });
  });

  it('gives the same TAR at every FAR, and AUC, for self, cross and old', async () => {
    const report = evaluateIjbcVerification({
      meta: await readIjbcMeta(metaDirectory),
      features: await readNpy(join(fixtures, 'new.npy')),
      oldFeatures: await readNpy(join(fixtures, 'old.npy')),
      detectorScore,
    });
    expect(report.pairs).toBe(expected.pairs);
    for (const test of ['self', 'cross', 'old'] as const) {
      expect(report.tests[test]!.tar, test).toEqual(reference.tests[test].tar);
      expect(report.tests[test]!.auc).toBeCloseTo(reference.tests[test].auc, 6);
    }
  });
});

describe('evaluateIjbcVerification input checks', () => {
  it('rejects features whose rows or dimension do not match, unknown templates and NaN features', async () => {
    const meta = await readIjbcMeta(metaDirectory);
    const features = await readNpy(join(fixtures, 'new.npy'));
    const short = createHostMatrix(features.data.subarray(0, 16 * 10), 10, 16);
    expect(() =>
      evaluateIjbcVerification({ meta, features: short, featuresFile: 'new.npy' }),
    ).toThrow(/new\.npy has 10 rows but the IJB-C meta lists 344 images/);
    const narrow = createHostMatrix(new Float32Array(344 * 8), 344, 8);
    expect(() => evaluateIjbcVerification({ meta, features, oldFeatures: narrow })).toThrow(
      ShapeMismatchError,
    );
    const unknown = {
      ...meta,
      pairs: {
        ...meta.pairs,
        right: Int32Array.from(meta.pairs.right, (id, i) => (i === 2 ? 99 : id)),
      },
    };
    expect(() => evaluateIjbcVerification({ meta: unknown, features })).toThrow(
      /line 3 names template 99, which has no images/,
    );
    const broken = createHostMatrix(Float32Array.from(features.data), 344, 16);
    broken.data[5 * 16 + 3] = Number.NaN;
    expect(() =>
      evaluateIjbcVerification({ meta, features: broken, featuresFile: 'new.npy' }),
    ).toThrow(/new\.npy \(record 5\): row 5 has a non-finite value \(NaN\) in column 3/);
  });

  it('reports only self without old features', async () => {
    const report = evaluateIjbcVerification({
      meta: await readIjbcMeta(metaDirectory),
      features: await readNpy(join(fixtures, 'new.npy')),
    });
    expect(Object.keys(report.tests)).toEqual(['self']);
  });
});
