import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '@bctkit/tensor-ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBct as bct } from '../testing/run-bct.js';
import { openSetSplit } from './retrieval.js';

let work: string;
// Six images of three identities (labels 0, 0, 1, 1, 2, 2) in 2-D, by hand:
// new features put each identity on its own axis direction; old features are the new ones
// rotated by 90 degrees, so a new query rarely finds its own identity in an old gallery.
const labels = [0, 0, 1, 1, 2, 2];
const fresh = [1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9, -1, 0, -0.9, -0.1];
const rotated = fresh.map((_, i) => (i % 2 === 0 ? -fresh[i + 1]! : fresh[i - 1]!));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-retrieval-'));
  await writeNpy(join(work, 'new.npy'), { data: Float32Array.from(fresh), rows: 6, cols: 2 });
  await writeNpy(join(work, 'same.npy'), { data: Float32Array.from(fresh), rows: 6, cols: 2 });
  await writeNpy(join(work, 'old.npy'), { data: Float32Array.from(rotated), rows: 6, cols: 2 });
  await writeFile(join(work, 'labels.txt'), `${labels.join('\n')}\n`);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('openSetSplit', () => {
  it('enrols the first image of the first half of the identities; the rest are probes', () => {
    expect(openSetSplit(Int32Array.from([0, 0, 1, 1, 2, 2, 3]))).toEqual({
      gallery: [0, 2],
      probes: [1, 3, 4, 5, 6],
    });
  });
});

describe('bct eval retrieval', () => {
  it('scores hand-made features: self and old perfect, cross as worked out by hand', async () => {
    const run = await bct(
      'eval',
      'retrieval',
      '--features',
      join(work, 'new.npy'),
      '--old-features',
      join(work, 'old.npy'),
      '--labels',
      join(work, 'labels.txt'),
      '--json',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { tests, images, identities } = JSON.parse(run.stdout);
    expect([images, identities]).toEqual([6, 3]);
    // Each image's nearest other image is its twin: top-1 and mAP@R are 1 for self and old.
    expect(tests.self.top['1']).toBe(1);
    expect(tests.self.mapAtR).toBe(1);
    expect(tests.old.top['1']).toBe(1);
    // Cross, by hand: old rows are (0, 1), (-0.1, 0.9), (-1, 0), (-0.9, 0.1), (0, -1),
    // (0.1, -0.9). Query 0, (1, 0), scores best against old row 5 (cosine 0.11, identity 2): a
    // miss. Query 1, (0.9, 0.1), scores best against old row 0 (cosine 0.11, identity 0): a hit.
    // Queries 2 to 5 score best against old rows 0, 0, 3 and 2, of other identities: top-1 1/6.
    expect(tests.cross.top['1']).toBeCloseTo(1 / 6, 12);
    // Open set: gallery = first image of identities 0 and 1 (rows 0, 2); mated probes rows 1, 3.
    expect(tests.self.openSet).toMatchObject({ mated: 2, nonMated: 2, rank: { '1': 1 } });
  });

  it('writes a compatibility report, and refuses to replace it', async () => {
    const args = [
      'eval',
      'retrieval',
      '--features',
      join(work, 'new.npy'),
      '--old-features',
      join(work, 'same.npy'),
      '--labels',
      join(work, 'labels.txt'),
      '--report',
      join(work, 'report'),
    ];
    const run = await bct(...args);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/compatibility: cross top-1 100\.00 <= old\/old 100\.00/);
    expect(await readdir(join(work, 'report'))).toEqual(
      expect.arrayContaining(['report.html', 'report.json', 'report.md']),
    );
    const again = await bct(...args);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it.each([
    [['--labels', 'labels.txt'], 2, /give the new model/],
    [['--features', 'new.npy'], 2, /give the labelled images/],
    [
      ['--features', 'new.npy', '--old-features', 'short.npy', '--labels', 'labels.txt'],
      1,
      /short\.npy/,
    ],
  ])('refuses %j (exit %i)', async (args, code, message) => {
    const resolved = args.map((arg) => (/\.(npy|txt)$/.test(arg) ? join(work, arg) : arg));
    const run = await bct('eval', 'retrieval', ...resolved);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });
});
