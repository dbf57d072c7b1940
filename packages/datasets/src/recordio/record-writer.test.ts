import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError, SeededRandom } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import {
  faceIndexPath,
  faceRecordPath,
  fromHex,
  recordioManifest,
} from '../fixtures/recordio-fixtures.js';
import { packImageRecord } from './image-header.js';
import { readRecordIndex } from './index-file.js';
import { RecordFile } from './record-file.js';
import { RecordWriter } from './record-writer.js';

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bctkit-writer-'));
}

describe('RecordWriter', () => {
  it('writes byte-for-byte what the independent Python writer wrote', async () => {
    const directory = await scratch();
    const writer = await RecordWriter.create(
      join(directory, 'train.rec'),
      join(directory, 'train.idx'),
    );
    const { images, header, identities } = recordioManifest.face;
    for (const image of images) {
      await writer.write(
        image.key,
        packImageRecord({ label: [image.label, 1], id: image.key, payload: fromHex(image.jpeg) }),
      );
    }
    await writer.write(0, packImageRecord({ label: header, id: 0, payload: new Uint8Array(0) }));
    for (const [i, range] of identities.entries()) {
      const key = images.length + 1 + i;
      await writer.write(
        key,
        packImageRecord({ label: range, id: key, payload: new Uint8Array(0) }),
      );
    }
    await writer.commit();
    expect(
      Buffer.compare(await readFile(join(directory, 'train.rec')), await readFile(faceRecordPath)),
    ).toBe(0);
    expect(await readFile(join(directory, 'train.idx'), 'utf8')).toBe(
      await readFile(faceIndexPath, 'utf8'),
    );
  });

  it('round-trips random payloads, many containing the magic, through .idx reads and a scan', async () => {
    const random = SeededRandom.fromSeed(42);
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const payload = new Uint8Array(random.nextInt(200));
      for (let j = 0; j < payload.length; j++) payload[j] = random.nextInt(256);
      // Plant magics at random (aligned and unaligned) positions.
      for (let m = random.nextInt(4); m > 0 && payload.length >= 4; m--) {
        payload.set([0x0a, 0x23, 0xd7, 0xce], random.nextInt(payload.length - 3));
      }
      payloads.push(payload);
    }
    const directory = await scratch();
    const writer = await RecordWriter.create(join(directory, 'r.rec'), join(directory, 'r.idx'));
    const keys = random.permutation(payloads.length); // keys need not follow file order
    for (const [i, payload] of payloads.entries()) await writer.write(keys[i]!, payload);
    await writer.commit();

    const file = await RecordFile.open(join(directory, 'r.rec'));
    const index = await readRecordIndex(join(directory, 'r.idx'), file.size);
    expect(index.keys).toEqual([...keys]);
    for (const [i, payload] of payloads.entries()) {
      expect((await file.read(index.offsetOf.get(keys[i]!)!)).payload).toEqual(payload);
    }
    let i = 0;
    for await (const record of file.scan({ blockSize: 512 }))
      expect(record.payload).toEqual(payloads[i++]);
    expect(i).toBe(payloads.length);
    await file.close();
  });

  it('leaves nothing behind when aborted, and nothing at the targets before commit', async () => {
    const directory = await scratch();
    const writer = await RecordWriter.create(join(directory, 'a.rec'), join(directory, 'a.idx'));
    await writer.write(0, new Uint8Array([1, 2, 3]));
    expect((await readdir(directory)).filter((name) => !name.startsWith('.'))).toEqual([]);
    await writer.abort();
    expect(await readdir(directory)).toEqual([]);
  });

  it('refuses duplicate and negative keys, and use after commit', async () => {
    const directory = await scratch();
    const writer = await RecordWriter.create(join(directory, 'b.rec'), join(directory, 'b.idx'));
    await writer.write(5, new Uint8Array(1));
    await expect(writer.write(5, new Uint8Array(1))).rejects.toThrow('key 5 was already written');
    await expect(writer.write(-1, new Uint8Array(1))).rejects.toThrow(InvalidConfigError);
    await writer.commit();
    await expect(writer.write(6, new Uint8Array(1))).rejects.toThrow(/already been committed/);
    expect((await readdir(directory)).sort()).toEqual(['b.idx', 'b.rec']);
  });
});
