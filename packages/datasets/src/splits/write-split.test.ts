import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faceRecordPath, fromHex, recordioManifest } from '../fixtures/recordio-fixtures.js';
import { RecordSet } from '../recordio/record-set.js';
import { planClassSplit, planDataSplit } from './plan-split.js';
import { writeRecordSubset } from './write-split.js';

const jpegs = recordioManifest.face.images.map((image) => image.jpeg);

async function writeAndOpen(part: Parameters<typeof writeRecordSubset>[1]) {
  const source = await RecordSet.open(faceRecordPath);
  const directory = await mkdtemp(join(tmpdir(), 'bctkit-split-'));
  await writeRecordSubset(source, part, directory);
  await source.close();
  return { directory, set: await RecordSet.open(join(directory, 'train.rec')) };
}

describe('writeRecordSubset', () => {
  it('writes the data split of the fixture (classes of 2, 1, 3 images) as insightface record sets', async () => {
    const source = await RecordSet.open(faceRecordPath);
    const plan = planDataSplit(await source.labels(), 0.5);
    await source.close();
    // n = 2 -> 1 first; n = 1 -> both; n = 3 -> round(1.5) = 2 first
    expect([...plan.first.indices]).toEqual([0, 2, 3, 4]);
    expect([...plan.rest.indices]).toEqual([1, 2, 5]);
    for (const part of [plan.first, plan.rest]) {
      const { directory, set } = await writeAndOpen(part);
      expect(set.layout).toBe('insightface');
      expect(set.size).toBe(part.indices.length);
      expect(set.numClasses).toBe(3);
      expect(set.summary().identityKeyRange).toEqual([
        part.indices.length + 1,
        part.indices.length + 4,
      ]);
      expect([...(await set.labels())]).toEqual([...part.labels]);
      for (let i = 0; i < set.size; i++) {
        const sample = await set.read(i);
        expect([...sample.image]).toEqual([...fromHex(jpegs[part.indices[i]!]!)]);
        expect(sample.header.labels[1]).toBe(1); // the aligned flag is kept
      }
      expect(await readFile(join(directory, 'property'), 'utf8')).toBe('3,112,112\n');
      expect((await readdir(directory)).sort()).toEqual(['property', 'train.idx', 'train.rec']);
      await set.close();
    }
  });

  it('writes the class split relabelled from 0', async () => {
    const source = await RecordSet.open(faceRecordPath);
    const plan = planClassSplit(await source.labels(), 0.5); // C = 3, cut = round(1.5) = 2
    await source.close();
    const { directory, set } = await writeAndOpen(plan.rest);
    expect(set.size).toBe(3);
    expect(set.numClasses).toBe(1);
    expect([...(await set.labels())]).toEqual([0, 0, 0]);
    expect([...(await set.read(0)).image]).toEqual([...fromHex(jpegs[3]!)]);
    expect(await readFile(join(directory, 'property'), 'utf8')).toBe('1,112,112\n');
    await set.close();
  });
});
