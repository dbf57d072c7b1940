import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '@bctkit/tensor-ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import reference from '../../../metrics/src/fixtures/compat-matrix.json' with { type: 'json' };
import { runBct as bct } from '../testing/run-bct.js';

let work: string;
const path = (name: string) => join(work, name);
const rows = reference.labels.length;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-matrix-'));
  for (const [k, values] of reference.features.entries())
    await writeNpy(path(`g${k}.npy`), {
      data: Float32Array.from(values),
      rows,
      cols: reference.dim,
    });
  await writeNpy(path('short.npy'), {
    data: new Float32Array(10 * reference.dim).fill(1),
    rows: 10,
    cols: reference.dim,
  });
  await writeFile(path('labels.txt'), `${reference.labels.join('\n')}\n`);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bct eval matrix', () => {
  it('prints the matrix, criteria, AC and AM as numpy computes them, and writes the report', async () => {
    const run = await bct(
      'eval',
      'matrix',
      '--features',
      path('g0.npy'),
      path('g1.npy'),
      path('g2.npy'),
      '--labels',
      path('labels.txt'),
      '--names',
      'v1,v2,v3',
      '--json',
    );
    expect(run.code, run.stderr).toBe(0);
    const matrix = JSON.parse(run.stdout);
    expect(matrix.names).toEqual(['v1', 'v2', 'v3']);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        expect(matrix.values[i][j]).toBeCloseTo(reference.values[i]![j]!, 12);
    expect(matrix.ac).toBeCloseTo(reference.ac, 12);
    expect(matrix.am).toBeCloseTo(reference.am, 12);

    const table = await bct(
      'eval',
      'matrix',
      '--features',
      path('g0.npy'),
      path('g1.npy'),
      '--labels',
      path('labels.txt'),
      '--report',
      path('report'),
    );
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/\| g1 \| g0 \| 58\.33 \| 45\.00 \| yes \|/);
    expect((await readdir(path('report'))).sort()).toEqual([
      'matrix.json',
      'matrix.md',
      'matrix.png',
      'matrix.svg',
    ]);
  });

  it('refuses one generation, a names count that differs, and files of different row counts', async () => {
    const one = await bct(
      'eval',
      'matrix',
      '--features',
      path('g0.npy'),
      '--labels',
      path('labels.txt'),
    );
    expect([one.code, one.stderr]).toEqual([
      2,
      expect.stringMatching(/--features: give the features of 2 or more generations/),
    ]);
    const names = await bct(
      'eval',
      'matrix',
      '--features',
      path('g0.npy'),
      path('g1.npy'),
      '--labels',
      path('labels.txt'),
      '--names',
      'a',
    );
    expect([names.code, names.stderr]).toEqual([
      2,
      expect.stringMatching(/--names: 1 names for 2 features files/),
    ]);
    const short = await bct(
      'eval',
      'matrix',
      '--features',
      path('g0.npy'),
      path('short.npy'),
      '--labels',
      path('labels.txt'),
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/short\.npy has 10 rows, .*g0\.npy 60/);
  });
});
