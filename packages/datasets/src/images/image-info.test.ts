import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import manifest from '../fixtures/images/manifest.json' with { type: 'json' };
import { extensionFor, readImageInfo } from './image-info.js';

const fixture = async (name: string) =>
  new Uint8Array(await readFile(new URL(`../fixtures/images/${name}`, import.meta.url)));

describe('readImageInfo', () => {
  it.each(Object.entries(manifest.files))(
    'reads the size of %s written by PIL',
    async (name, [width, height]) => {
      const info = readImageInfo(await fixture(name));
      expect(info).toEqual({ format: name.endsWith('.png') ? 'png' : 'jpeg', width, height });
    },
  );

  it('never throws on damaged or foreign data', async () => {
    const jpeg = await fixture('baseline-112x96.jpg');
    for (let cut = 0; cut < 200; cut++) {
      const info = readImageInfo(jpeg.subarray(0, cut));
      expect(['jpeg', 'unknown']).toContain(info.format);
    }
    expect(readImageInfo(new Uint8Array([0xff, 0xd8, 0x00, 0x00]))).toEqual({
      format: 'jpeg',
      width: 0,
      height: 0,
    });
    expect(readImageInfo(new Uint8Array([1, 2, 3]))).toEqual({
      format: 'unknown',
      width: 0,
      height: 0,
    });
    expect(extensionFor('jpeg')).toBe('.jpg');
    expect(extensionFor('unknown')).toBe('.bin');
  });
});
