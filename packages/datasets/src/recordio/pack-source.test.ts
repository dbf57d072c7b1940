import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openSource } from '../builtins.js';
import { faceRecordPath, fromHex, recordioManifest } from '../fixtures/recordio-fixtures.js';
import { packSource } from './pack-source.js';
import { RecordSet } from './record-set.js';

describe('packSource', () => {
  it('packs encoded images byte for byte, with identity records for grouped labels', async () => {
    const source = await openSource({ type: 'rec', path: faceRecordPath });
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-pack-'));
    const result = await packSource(source, directory);
    await source.close();
    expect(result).toMatchObject({ images: 6, classes: 3, identityRecords: true });
    const set = await RecordSet.open(join(directory, 'train.rec'));
    expect(set.summary().identityKeyRange).toEqual([7, 10]);
    for (const [index, image] of recordioManifest.face.images.entries()) {
      const sample = await set.read(index);
      expect(sample.label).toBe(image.label);
      expect([...sample.header.labels]).toEqual([image.label, 1]);
      expect([...sample.image]).toEqual([...fromHex(image.jpeg)]);
    }
    await set.close();
    expect((await readdir(directory)).sort()).toEqual(['property', 'train.idx', 'train.rec']);
  });

  it('packs pixel images as lossless PNG; interleaved labels get a header without identity records', async () => {
    const source = await openSource({
      type: 'synthetic',
      classes: 3,
      imagesPerClass: 2,
      height: 6,
      width: 5,
      channels: 1,
    });
    // Interleave the labels: 0, 1, 2, 0, 1, 2
    const order = [0, 2, 4, 1, 3, 5];
    const interleaved = {
      ...source,
      read: (index: number) => source.read(order[index]!).then((sample) => ({ ...sample, index })),
    };
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-pack-'));
    const result = await packSource(interleaved, directory, 'mnist');
    expect(result).toMatchObject({
      images: 6,
      classes: 3,
      identityRecords: false,
      width: 5,
      height: 6,
    });
    expect(await readFile(join(directory, 'property'), 'utf8')).toBe('3,6,5\n');
    const set = await RecordSet.open(join(directory, 'mnist.rec'));
    expect(set.numClasses).toBe(3); // from the property file
    expect([...(await set.labels())]).toEqual([0, 1, 2, 0, 1, 2]);
    const original = await source.read(order[3]!);
    const packed = await set.read(3);
    // IDAT of our own PNG writer: one filter byte then the row, for each of the 6 rows.
    const idatStart = 8 + 25 + 8;
    const idatLength = new DataView(packed.image.buffer, packed.image.byteOffset).getUint32(
      33,
      false,
    );
    const rows = inflateSync(packed.image.subarray(idatStart, idatStart + idatLength));
    const pixels = [...rows].filter((_, i) => i % 6 !== 0);
    expect(original.image.kind === 'pixels' && pixels).toEqual([
      ...(original.image.kind === 'pixels' ? original.image.data : []),
    ]);
    await set.close();
  });
});
