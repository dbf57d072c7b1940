import { readFile } from 'node:fs/promises';
import { DatasetFormatError, SeededRandom } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import manifest from '../fixtures/bin/manifest.json' with { type: 'json' };
import { parseVerificationBin, readVerificationBin } from './read-bin.js';

const fixture = (name: string) => new URL(`../fixtures/bin/${name}`, import.meta.url).pathname;

describe('readVerificationBin', () => {
  it.each(['py3-protocol4.bin', 'py2-protocol2.bin'])(
    'reads %s, written by Python',
    async (name) => {
      const set = await readVerificationBin(fixture(name));
      expect(set.images.map((image) => Buffer.from(image).toString('hex'))).toEqual(manifest.bins);
      expect([...set.sameIdentity]).toEqual(manifest.issame.map(Number));
    },
  );

  it('refuses a pickle that would call code', async () => {
    await expect(readVerificationBin(fixture('evil.bin'))).rejects.toThrow(
      /refers to a Python object/,
    );
  });

  it('refuses a set whose image count is not twice the pair count', () => {
    // PROTO 2, ( [b'a'] , [True, False] ) -> 1 image for 2 pairs
    const bytes = Uint8Array.from([
      0x80, 2, 0x5d, 0x43, 1, 0x61, 0x61, 0x5d, 0x88, 0x61, 0x89, 0x61, 0x86, 0x2e,
    ]);
    expect(() => parseVerificationBin(bytes, 'x.bin')).toThrow(
      '1 images for 2 pairs: expected two images per pair',
    );
  });

  it('gets only DatasetFormatError from 1,000 random mutations and truncations', async () => {
    const random = SeededRandom.fromSeed(31);
    const valid = new Uint8Array(await readFile(fixture('py2-protocol2.bin')));
    let rejected = 0;
    for (let i = 0; i < 1000; i++) {
      let mutated = Uint8Array.from(valid);
      if (random.nextInt(3) === 0) mutated = mutated.subarray(0, random.nextInt(mutated.length));
      else
        for (let k = 1 + random.nextInt(4); k > 0; k--)
          mutated[random.nextInt(mutated.length)] = random.nextInt(256);
      try {
        parseVerificationBin(mutated, 'fuzz.bin');
      } catch (error) {
        expect(error).toBeInstanceOf(DatasetFormatError);
        rejected += 1;
      }
    }
    expect(rejected).toBeGreaterThan(300);
  });
});
