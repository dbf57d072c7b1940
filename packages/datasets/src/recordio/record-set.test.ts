import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFormatError } from '@bctkit/tensor-ops';
import { afterEach, describe, expect, it } from 'vitest';
import {
  faceRecordPath,
  fromHex,
  plainRecordPath,
  recordioManifest,
} from '../fixtures/recordio-fixtures.js';
import { packImageRecord } from './image-header.js';
import { RecordSet } from './record-set.js';
import { RecordWriter } from './record-writer.js';

const opened: RecordSet[] = [];
async function openSet(...args: Parameters<typeof RecordSet.open>): Promise<RecordSet> {
  const set = await RecordSet.open(...args);
  opened.push(set);
  return set;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((set) => set.close()));
});

describe('RecordSet, insightface layout (independent Python fixture)', () => {
  it('finds the images through the header record, whatever its physical position', async () => {
    const set = await openSet(faceRecordPath);
    expect(set.layout).toBe('insightface');
    expect(set.size).toBe(6);
    expect(set.numClasses).toBe(3);
    expect(set.summary()).toMatchObject({
      records: 10,
      images: 6,
      numClasses: 3,
      imageKeyRange: [1, 7],
      identityKeyRange: [7, 10],
      property: { numClasses: 3, height: 112, width: 112 },
      indexRebuilt: false,
    });
  });

  it('reads images by dataset index with their labels and JPEG bytes', async () => {
    const set = await openSet(faceRecordPath);
    for (const [index, expected] of recordioManifest.face.images.entries()) {
      const sample = await set.read(index);
      expect(sample.key).toBe(expected.key);
      expect(sample.label).toBe(expected.label);
      expect([...sample.image]).toEqual([...fromHex(expected.jpeg)]);
    }
    await expect(set.read(6)).rejects.toThrow('image index 6 is outside [0, 6)');
  });

  it('gets every label from the identity records, and the same by scanning', async () => {
    const set = await openSet(faceRecordPath);
    const expected = recordioManifest.face.images.map((image) => image.label);
    expect([...(await set.labels())]).toEqual(expected);
    // Without identity records (e.g. MixBCT's split files) the labels come from a scan.
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-set-'));
    const writer = await RecordWriter.create(
      join(directory, 'train.rec'),
      join(directory, 'train.idx'),
    );
    await writer.write(0, packImageRecord({ label: [7, 3], id: 0, payload: new Uint8Array(0) }));
    for (const [i, image] of recordioManifest.face.images.entries()) {
      await writer.write(
        i + 1,
        packImageRecord({ label: [image.label, 1], id: i + 1, payload: fromHex(image.jpeg) }),
      );
    }
    await writer.commit();
    const bare = await openSet(join(directory, 'train.rec'));
    expect(bare.summary().identityKeyRange).toBeUndefined();
    expect([...(await bare.labels())]).toEqual(expected);
  });

  it('rebuilds a missing .idx by scanning, with the keys from the record ids', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-set-'));
    await copyFile(faceRecordPath, join(directory, 'train.rec'));
    const set = await openSet(join(directory, 'train.rec'));
    expect(set.indexRebuilt).toBe(true);
    expect(set.index.keys).toEqual([1, 2, 3, 4, 5, 6, 0, 7, 8, 9]);
    expect(set.size).toBe(6);
    expect((await set.read(2)).label).toBe(1);
    await expect(
      RecordSet.open(join(directory, 'train.rec'), { rebuildMissingIndex: false }),
    ).rejects.toThrow(/index file is missing/);
  });

  it('rejects a label outside the class range, naming the record', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-set-'));
    const writer = await RecordWriter.create(
      join(directory, 'train.rec'),
      join(directory, 'train.idx'),
    );
    await writer.write(0, packImageRecord({ label: 1, id: 0, payload: new Uint8Array([1]) }));
    await writer.write(1, packImageRecord({ label: 5, id: 1, payload: new Uint8Array([2]) }));
    await writer.commit();
    await writeFile(join(directory, 'property'), '2,112,112\n');
    const set = await openSet(join(directory, 'train.rec'));
    expect((await set.read(0)).label).toBe(1);
    const error = await set.read(1).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).record).toBe(1);
    expect((error as Error).message).toMatch(/label 5 is outside the class range \[0, 2\)/);
    await expect(set.labels()).rejects.toThrow(/label 5 is outside/);
  });
});

describe('RecordSet, plain layout', () => {
  it('treats every key as an image with a scalar label', async () => {
    const set = await openSet(plainRecordPath);
    expect(set.layout).toBe('plain');
    expect(set.size).toBe(5);
    expect(set.numClasses).toBeUndefined();
    const expected = recordioManifest.plain.records;
    expect([...(await set.labels())]).toEqual(expected.map((record) => record.label));
    const sample = await set.read(3);
    expect(sample.header.flag).toBe(0);
    expect([...sample.image]).toEqual([...fromHex(expected[3]!.jpeg)]);
  });
});
