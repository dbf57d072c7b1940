// Fuzz test: random and truncated mutations of valid .rec, .idx and IDX files must produce either
// a successful read or a DatasetFormatError: never another exception, a hang, or an allocation
// larger than the file (reads are bounded by the file size by construction).
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DatasetFormatError, SeededRandom } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import { faceIndexPath, faceRecordPath } from './fixtures/recordio-fixtures.js';
import { parseRecordIndex } from './recordio/index-file.js';
import { RecordSet } from './recordio/record-set.js';
import { parseIdx, readIdxFile } from './sources/idx-file.js';

const ITERATIONS = 250;

/** One random mutation of `bytes`. */
function mutate(bytes: Uint8Array, random: SeededRandom): Uint8Array {
  const out = Uint8Array.from(bytes);
  switch (random.nextInt(6)) {
    case 0: // flip a few bytes
      for (let i = 1 + random.nextInt(8); i > 0 && out.length > 0; i--)
        out[random.nextInt(out.length)] = random.nextInt(256);
      return out;
    case 1: // truncate
      return out.subarray(0, random.nextInt(out.length + 1));
    case 2: {
      // insert random bytes
      const at = random.nextInt(out.length + 1);
      const extra = Uint8Array.from({ length: 1 + random.nextInt(12) }, () => random.nextInt(256));
      return Uint8Array.from([...out.subarray(0, at), ...extra, ...out.subarray(at)]);
    }
    case 3: {
      // plant a huge or odd 32-bit value at an aligned offset (lengths, flags, counts)
      if (out.length < 4) return out;
      const at = 4 * random.nextInt(Math.floor(out.length / 4));
      const values = [
        0xffffffff,
        0x1fffffff,
        0x7fffffff,
        0x3fffffff,
        0xe0000010,
        random.nextUint32(),
      ];
      new DataView(out.buffer).setUint32(at, values[random.nextInt(values.length)]!, true);
      return out;
    }
    case 4: // zero a region
      if (out.length > 0) out.fill(0, random.nextInt(out.length), random.nextInt(out.length + 1));
      return out;
    default: {
      // duplicate a region
      const from = random.nextInt(out.length + 1);
      const to = Math.min(out.length, from + random.nextInt(64));
      return Uint8Array.from([...out, ...out.subarray(from, to)]);
    }
  }
}

/** Runs `body`; passes when it succeeds or throws DatasetFormatError within the time limit. */
async function onlyFormatErrors(
  label: string,
  body: () => Promise<unknown>,
): Promise<'ok' | 'format-error'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within 5 s (hang?)`)), 5000);
  });
  try {
    await Promise.race([body(), timeout]);
    return 'ok';
  } catch (error) {
    if (error instanceof DatasetFormatError) return 'format-error';
    throw new Error(
      `${label}: expected a DatasetFormatError, got ${(error as Error)?.stack ?? String(error)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

async function readEverything(recordPath: string): Promise<void> {
  const set = await RecordSet.open(recordPath);
  try {
    for (let i = 0; i < set.size; i++) await set.read(i);
    await set.labels();
    for await (const _ of set.file.scan({ blockSize: 64 })) {
    }
  } finally {
    await set.close();
  }
}

describe('fuzzing the readers', () => {
  it(`.rec: ${ITERATIONS} mutations are read or rejected with DatasetFormatError`, async () => {
    const random = SeededRandom.fromSeed(1234);
    const original = new Uint8Array(await readFile(faceRecordPath));
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-fuzz-'));
    await copyFile(faceIndexPath, join(directory, 'train.idx'));
    const outcomes = { ok: 0, 'format-error': 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      await writeFile(join(directory, 'train.rec'), mutate(original, random));
      outcomes[
        await onlyFormatErrors(`rec mutation ${i}`, () =>
          readEverything(join(directory, 'train.rec')),
        )
      ] += 1;
    }
    expect(outcomes['format-error']).toBeGreaterThan(ITERATIONS / 4); // the mutations do bite
  });

  it(`.rec without .idx (rebuilt by scanning): ${ITERATIONS} mutations`, async () => {
    const random = SeededRandom.fromSeed(99);
    const original = new Uint8Array(await readFile(faceRecordPath));
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-fuzz-'));
    for (let i = 0; i < ITERATIONS; i++) {
      await writeFile(join(directory, 'train.rec'), mutate(original, random));
      await onlyFormatErrors(`rebuild mutation ${i}`, () =>
        readEverything(join(directory, 'train.rec')),
      );
    }
  });

  it(`.idx: ${ITERATIONS} mutations`, async () => {
    const random = SeededRandom.fromSeed(7);
    const text = new Uint8Array(await readFile(faceIndexPath));
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-fuzz-'));
    await copyFile(faceRecordPath, join(directory, 'train.rec'));
    for (let i = 0; i < ITERATIONS; i++) {
      const mutated = mutate(text, random);
      await writeFile(join(directory, 'train.idx'), mutated);
      await onlyFormatErrors(`idx mutation ${i}`, async () => {
        parseRecordIndex(Buffer.from(mutated).toString('utf8'), 'train.idx', 864);
        await readEverything(join(directory, 'train.rec'));
      });
    }
  });

  it(`IDX files, raw and gzipped: ${ITERATIONS} mutations each`, async () => {
    const random = SeededRandom.fromSeed(5);
    const images = fileURLToPath(
      new URL('./fixtures/fashion-mnist/train-images-idx3-ubyte.gz', import.meta.url),
    );
    const gz = new Uint8Array(await readFile(images));
    const raw = (await readIdxFile(images)).data;
    const header = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 64, 0, 0, 0, 28, 0, 0, 0, 28]);
    const valid = Uint8Array.from([...header, ...raw]);
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-fuzz-'));
    for (let i = 0; i < ITERATIONS; i++) {
      await onlyFormatErrors(`IDX mutation ${i}`, async () =>
        parseIdx(mutate(valid, random), 'x.idx'),
      );
      const path = join(directory, `m${i % 4}.gz`);
      await writeFile(
        path,
        random.nextInt(2) === 0 ? mutate(gz, random) : gzipSync(mutate(valid, random)),
      );
      await onlyFormatErrors(`gz mutation ${i}`, () => readIdxFile(path, { maxBytes: 1 << 20 }));
    }
  });
});
