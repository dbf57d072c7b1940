import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryPathFor, writeFileAtomic } from './atomic-write.js';

describe('writeFileAtomic', () => {
  it('replaces the file with the new content and leaves no temporary file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-atomic-'));
    const target = join(directory, 'model.json');
    await writeFile(target, 'old');
    await writeFileAtomic(target, 'new content');
    expect(await readFile(target, 'utf8')).toBe('new content');
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(target))]).toEqual([1, 2, 3]);
    expect(await readdir(directory)).toEqual(['model.json']);
  });

  it('leaves the old file and no temporary file when the write fails', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-atomic-'));
    const target = join(directory, 'missing-dir', 'model.json');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(/ENOENT/);
    expect(await readdir(directory)).toEqual([]);
  });

  it('names temporary files beside the target', () => {
    const path = temporaryPathFor('/data/train.rec');
    expect(path).toMatch(/^\/data\/\.train\.rec\.partial-\d+-[0-9a-f]{8}$/);
    expect(temporaryPathFor('/data/train.rec')).not.toBe(path);
  });
});
