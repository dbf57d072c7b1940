import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyAdapter, readAdapter } from '@bctkit/adapters';
import { retrievalMetrics } from '@bctkit/metrics';
import { readNpy, writeNpy } from '@bctkit/tensor-ops';
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
  // A newer generation of another width: the first 4 coordinates of g1.
  await writeNpy(path('g1-narrow.npy'), {
    data: Float32Array.from(
      { length: rows * 4 },
      (_, i) => reference.features[1]![Math.floor(i / 4) * reference.dim + (i % 4)]!,
    ),
    rows,
    cols: 4,
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

  it('fills the entries of two generations of different widths through an adapter', async () => {
    const generations = ['--features', path('g0.npy'), path('g1-narrow.npy')];
    const labels = ['--labels', path('labels.txt')];
    const without = await bct('eval', 'matrix', ...generations, ...labels, '--json');
    expect(without.code).toBe(0);
    expect(JSON.parse(without.stdout).values[1][0]).toBeNull();
    const fit = await bct(
      'adapt',
      'fit',
      '--from',
      path('g1-narrow.npy'),
      '--to',
      path('g0.npy'),
      '--method',
      'affine',
      '--out',
      path('g1-to-g0.json'),
    );
    expect(fit.code).toBe(0);
    const run = await bct(
      'eval',
      'matrix',
      ...generations,
      ...labels,
      '--adapter',
      `g1-narrow:g0=${path('g1-to-g0.json')}`,
      '--json',
    );
    expect(run.code).toBe(0);
    const { values } = JSON.parse(run.stdout) as { values: number[][] };
    // Computed here: the newer generation's features mapped into the older space, both ways.
    const older = await readNpy(path('g0.npy'));
    const mapped = applyAdapter(
      await readAdapter(path('g1-to-g0.json')),
      await readNpy(path('g1-narrow.npy')),
    );
    const top1 = (query: typeof older, gallery: typeof older) =>
      retrievalMetrics(query, reference.labels, gallery, reference.labels, {
        ks: [1],
        excludeSameIndex: true,
      }).top['1']!;
    expect(values[1]![0]).toBeCloseTo(top1(mapped, older), 10);
    expect(values[0]![1]).toBeCloseTo(top1(older, mapped), 10);
    for (const [value, message] of [
      ['g1-narrow=x.json', /expected newer:older=file/],
      [`g9:g0=${path('g1-to-g0.json')}`, /no generation 'g9' \(the generations: g0, g1-narrow\)/],
      [`g0:g1-narrow=${path('g1-to-g0.json')}`, /name the newer generation first/],
    ] as const) {
      const bad = await bct('eval', 'matrix', ...generations, ...labels, '--adapter', value);
      expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(message)]);
    }
  });
});
