import { copyFile, mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../errors/errors.js';
import manifest from '../fixtures/npy/manifest.json' with { type: 'json' };
import { createHostMatrix } from '../ops/host-matrix.js';
import { NpyFile, readNpy, writeNpy } from './npy.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/npy/${name}`, import.meta.url));

describe('readNpy on files written by numpy', () => {
  it('reads float32 (format 1.0 and 2.0) as [rows, cols]', async () => {
    for (const name of ['float32-3x4.npy', 'float32-v2.npy']) {
      const matrix = await readNpy(fixture(name));
      expect([matrix.rows, matrix.cols]).toEqual([3, 4]);
      expect([...matrix.data]).toEqual(manifest['float32-3x4']);
    }
  });

  it('converts float64, int64 and bool, and reads 1-D arrays as one column', async () => {
    const doubles = await readNpy(fixture('float64-5.npy'));
    expect([doubles.rows, doubles.cols]).toEqual([5, 1]);
    expect([...doubles.data]).toEqual(manifest['float64-5'].map(Math.fround));
    expect([...(await readNpy(fixture('int64-2x2.npy'))).data]).toEqual(
      manifest['int64-2x2'].map(Math.fround),
    );
    expect([...(await readNpy(fixture('bool-4.npy'))).data]).toEqual(manifest['bool-4']);
    const empty = await readNpy(fixture('float32-empty-0x8.npy'));
    expect([empty.rows, empty.cols, empty.data.length]).toEqual([0, 8, 0]);
  });

  it('reads row ranges without loading the rest', async () => {
    const file = await NpyFile.open(fixture('float32-3x4.npy'));
    expect(file.header).toMatchObject({ dtype: '<f4', shape: [3, 4] });
    expect([...(await file.readRows(1, 3)).data]).toEqual(manifest['float32-3x4'].slice(4));
    await expect(file.readRows(2, 4)).rejects.toThrow('[2, 4) is outside [0, 3)');
    await file.close();
  });

  it('refuses Fortran order, truncated files and non-npy files with clear errors', async () => {
    await expect(readNpy(fixture('fortran-2x3.npy'))).rejects.toThrow(/Fortran-ordered/);
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-npy-'));
    const cut = join(directory, 'cut.npy');
    await copyFile(fixture('float32-3x4.npy'), cut);
    await truncate(cut, 140);
    await expect(readNpy(cut)).rejects.toThrow(/needs 176 bytes, the file has 140 \(truncated/);
    const other = join(directory, 'other.npy');
    await writeFile(other, 'hello world, this is not numpy');
    await expect(readNpy(other)).rejects.toThrow(DatasetFormatError);
    await expect(readNpy(fixture('manifest.json'))).rejects.toThrow(/no \\x93NUMPY magic/);
  });
});

describe('writeNpy', () => {
  it('writes the same bytes as numpy.save', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-npy-'));
    const path = join(directory, 'out.npy');
    await writeNpy(path, createHostMatrix(Float32Array.from(manifest['float32-3x4']), 3, 4));
    expect(Buffer.compare(await readFile(path), await readFile(fixture('float32-3x4.npy')))).toBe(
      0,
    );
  });

  it('writes 1-D shapes and rejects a shape that does not fit', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'bctkit-npy-'));
    const path = join(directory, 'vector.npy');
    await writeNpy(path, createHostMatrix(Float32Array.from([1, 2, 3]), 3, 1), [3]);
    expect(new TextDecoder().decode((await readFile(path)).subarray(10, 70))).toContain(
      "'shape': (3,)",
    );
    expect([...(await readNpy(path)).data]).toEqual([1, 2, 3]);
    await expect(writeNpy(path, createHostMatrix(new Float32Array(4), 2, 2), [3])).rejects.toThrow(
      'holds 3 values',
    );
  });
});
