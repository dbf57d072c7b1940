import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStalePartials, temporaryPathFor, writeFileAtomic } from './atomic-write.js';

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
    // A file-system error becomes a FileSystemError naming the target (not the temporary name).
    await expect(writeFileAtomic(target, 'x')).rejects.toMatchObject({
      code: 'FILE_SYSTEM',
      path: target,
      message: `${target}: cannot write: no such file or directory`,
    });
    expect(await readdir(directory)).toEqual([]);
  });

  it('removes the temporary files of dead processes, and only those', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-atomic-'));
    // A pid that is not running: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const names = [
      `.model.json.partial-${dead}-0123abcd`, // a dead writer's leftover: removed
      `.train.rec.partial-${dead}-89abcdef`, // another output's: kept when filtering by name
      `.model.json.partial-1-00000000`, // pid 1 is alive: kept
      'model.json', // not a temporary file: kept
      '.model.json.partial-x', // not the pattern: kept
    ];
    for (const name of names) await writeFile(join(directory, name), 'x');
    expect(await removeStalePartials(directory, 'model.json')).toEqual([names[0]]);
    expect(await removeStalePartials(directory)).toEqual([names[1]]);
    expect((await readdir(directory)).sort()).toEqual(names.slice(2).sort());
    expect(await removeStalePartials(join(directory, 'absent'))).toEqual([]);
  });

  it('names temporary files beside the target', () => {
    const path = temporaryPathFor('/data/train.rec');
    expect(path).toMatch(/^\/data\/\.train\.rec\.partial-\d+-[0-9a-f]{8}$/);
    expect(temporaryPathFor('/data/train.rec')).not.toBe(path);
  });
});
