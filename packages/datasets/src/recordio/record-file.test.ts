import { copyFile, mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFormatError } from '@bctkit/tensor-ops';
import { afterEach, describe, expect, it } from 'vitest';
import {
  faceIndexPath,
  faceRecordPath,
  fromHex,
  recordioManifest,
} from '../fixtures/recordio-fixtures.js';
import { unpackImageRecord } from './image-header.js';
import { readRecordIndex } from './index-file.js';
import { RecordFile } from './record-file.js';

const open: RecordFile[] = [];
async function openFile(path: string): Promise<RecordFile> {
  const file = await RecordFile.open(path);
  open.push(file);
  return file;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((file) => file.close()));
});

async function expectFormatError(
  promise: Promise<unknown>,
  pattern: RegExp,
): Promise<DatasetFormatError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as Error).message).toMatch(pattern);
    return error as DatasetFormatError;
  }
  throw new Error('expected a DatasetFormatError');
}

describe('RecordFile on a .rec written by an independent (Python) writer', () => {
  it('reads every image record by its .idx offset, including a record split into three parts', async () => {
    const file = await openFile(faceRecordPath);
    const index = await readRecordIndex(faceIndexPath, file.size);
    for (const expected of recordioManifest.face.images) {
      const offset = index.offsetOf.get(expected.key)!;
      const { payload } = await file.read(offset, expected.key);
      const record = unpackImageRecord(payload, { file: file.path });
      expect(record.flag).toBe(2);
      expect([...record.labels]).toEqual([expected.label, 1]);
      expect(record.id).toBe(expected.key);
      expect([...record.payload]).toEqual([...fromHex(expected.jpeg)]);
    }
  });

  it('reads the header record, physically after the images, and the identity records', async () => {
    const file = await openFile(faceRecordPath);
    const index = await readRecordIndex(faceIndexPath, file.size);
    const header = unpackImageRecord((await file.read(index.offsetOf.get(0)!)).payload, {
      file: file.path,
    });
    expect([...header.labels]).toEqual(recordioManifest.face.header);
    expect(header.payload).toHaveLength(0);
    const identities = [];
    for (let key = 7; key <= 9; key++) {
      identities.push([
        ...unpackImageRecord((await file.read(index.offsetOf.get(key)!)).payload, {
          file: file.path,
        }).labels,
      ]);
    }
    expect(identities).toEqual(recordioManifest.face.identities);
  });

  it.each([1, 64, 4096])(
    'streams all records in file order with block size %i',
    async (blockSize) => {
      const file = await openFile(faceRecordPath);
      const index = await readRecordIndex(faceIndexPath, file.size);
      const offsets: number[] = [];
      let lastEnd = 0;
      for await (const record of file.scan({ blockSize })) {
        expect(record.offset).toBe(lastEnd);
        offsets.push(record.offset);
        lastEnd = record.end;
        const direct = await file.read(record.offset);
        expect([...record.payload]).toEqual([...direct.payload]);
      }
      expect(lastEnd).toBe(file.size);
      expect(offsets).toEqual(index.offsets);
    },
  );

  it('names file and byte offset for a bad magic, an offset past the end, and a continuation part', async () => {
    const file = await openFile(faceRecordPath);
    const bad = await expectFormatError(file.read(4, 1), /expected the RecordIO magic 0xced7230a/);
    expect(bad.offset).toBe(4);
    expect(bad.record).toBe(1);
    expect(bad.message).toContain(`${faceRecordPath} (record 1, byte 4)`);
    await expectFormatError(file.read(file.size), /no record can start here/);
    await expectFormatError(file.read(292), /starts with a continuation part/);
  });

  it('names a file it cannot open', async () => {
    const missing = join(tmpdir(), 'bctkit-no-such-dir', 'train.rec');
    const error = await RecordFile.open(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).file).toBe(missing);
    expect((error as Error).message).toMatch(
      /cannot open the record file: no such file or directory$/,
    );
  });

  it('reports a truncated file instead of reading past its end', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-rec-'));
    const path = join(directory, 'cut.rec');
    await copyFile(faceRecordPath, path);
    await truncate(path, 260); // inside key 3's first part
    const file = await openFile(path);
    await expectFormatError(
      file.read(244, 3),
      /part declares 40 bytes but the file ends at byte 260 \(truncated file\?\)/,
    );
    await expectFormatError(
      (async () => {
        for await (const _ of file.scan()) {
        }
      })(),
      /truncated/,
    );
    await truncate(path, 248); // inside key 3's part header
    const shorter = await openFile(path);
    await expectFormatError(shorter.read(244, 3), /only 4 bytes remain, too few for a part header/);
  });

  it('rejects the legacy dmlc magic with an explanation', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-rec-'));
    const path = join(directory, 'legacy.rec');
    const bytes = new Uint8Array(await readFile(faceRecordPath));
    new DataView(bytes.buffer).setUint32(0, 0x3ed7230a, true);
    await writeFile(path, bytes);
    const file = await openFile(path);
    await expectFormatError(file.read(0), /very old dmlc-core/);
  });

  it('reports a split record whose last part is missing', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-rec-'));
    const path = join(directory, 'unfinished.rec');
    await writeFile(path, (await readFile(faceRecordPath)).subarray(0, 308)); // key 3 without its last part
    const file = await openFile(path);
    await expectFormatError(file.read(244, 3), /missing its last part/);
  });
});
