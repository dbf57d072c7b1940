import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, writeNpy } from '@bctkit/tensor-ops';
import { expectAllClose } from '@bctkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import reference from '../../../metrics/src/fixtures/pair-evaluation.json' with { type: 'json' };
import { runBct as bct } from '../testing/run-bct.js';

const fixtures = fileURLToPath(new URL('../fixtures/verification/', import.meta.url));
let work: string;
const path = (name: string) => join(work, name);

// Six images of three identities in 2-D; the old features are the new ones turned by 90 degrees
// ((x, y) -> (-y, x)), so the best rotation from new to old is that turn, exactly.
const labels = [0, 0, 1, 1, 2, 2];
const fresh = [1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9, -1, 0, -0.9, -0.1];
const turned = fresh.map((_, i) => (i % 2 === 0 ? -fresh[i + 1]! : fresh[i - 1]!));

/** A signed permutation of the columns: an orthogonal map that keeps every cosine. */
function permuted(data: number[], dim: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let row = 0; row < data.length / dim; row++)
    for (let j = 0; j < dim; j++)
      out[row * dim + ((j * 5 + 3) % dim)] = (j % 2 === 0 ? -1 : 1) * data[row * dim + j]!;
  return out;
}

function interleaved(first: number[], second: number[], dim: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < first.length / dim; k++)
    out.push(...first.slice(k * dim, (k + 1) * dim), ...second.slice(k * dim, (k + 1) * dim));
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-adapt-'));
  await writeNpy(path('new.npy'), { data: Float32Array.from(fresh), rows: 6, cols: 2 });
  await writeFile(path('new.labels.txt'), `${labels.join('\n')}\n`);
  await writeNpy(path('old.npy'), { data: Float32Array.from(turned), rows: 6, cols: 2 });
  const { dim } = reference;
  const pairs = interleaved(reference.first, reference.second, dim);
  await writeNpy(path('pairs-new.npy'), { data: Float32Array.from(pairs), rows: 800, cols: dim });
  await writeNpy(path('pairs-old.npy'), { data: permuted(pairs, dim), rows: 800, cols: dim });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bct adapt', () => {
  it('fits the 90-degree turn, applies it (copying the labels), and retrieval crosses through it', async () => {
    const fit = await bct(
      'adapt',
      'fit',
      '--from',
      path('new.npy'),
      '--to',
      path('old.npy'),
      '--out',
      path('turn.json'),
    );
    expect(fit.code, fit.stderr).toBe(0);
    expect(fit.stdout).toMatch(
      /procrustes adapter 2-d -> 2-d \(applied to the new queries in cross-tests\), fitted on 6 rows/,
    );
    const apply = await bct(
      'adapt',
      'apply',
      '--adapter',
      path('turn.json'),
      '--features',
      path('new.npy'),
      '--out',
      path('mapped.npy'),
    );
    expect(apply.code, apply.stderr).toBe(0);
    // Rows are L2-normalised first: the turned unit rows.
    const unit = turned.map(
      (value, i) => value / Math.hypot(turned[i - (i % 2)]!, turned[i - (i % 2) + 1]!),
    );
    expectAllClose((await readNpy(path('mapped.npy'))).data, unit, { atol: 1e-6 });
    expect(await readFile(path('mapped.labels.txt'), 'utf8')).toBe(`${labels.join('\n')}\n`);

    const run = await bct(
      'eval',
      'retrieval',
      '--features',
      path('new.npy'),
      '--old-features',
      path('old.npy'),
      '--labels',
      path('new.labels.txt'),
      '--adapter',
      path('turn.json'),
      '--json',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/cross-test through the procrustes adapter/);
    // Turned back into the old space, each query finds its twin first, as in old / old.
    expect(JSON.parse(run.stdout).tests.cross.top['1']).toBe(1);
  });

  it('verification crosses through an adapter on either side: an orthogonal map keeps the self figures', async () => {
    const fit = (from: string, to: string, out: string, ...more: string[]) =>
      bct('adapt', 'fit', '--from', path(from), '--to', path(to), '--out', path(out), ...more);
    expect((await fit('pairs-new.npy', 'pairs-old.npy', 'query.json')).code).toBe(0);
    expect(
      (await fit('pairs-old.npy', 'pairs-new.npy', 'gallery.json', '--role', 'gallery')).code,
    ).toBe(0);
    for (const adapter of ['query.json', 'gallery.json']) {
      const run = await bct(
        'eval',
        'verification',
        '--bin',
        join(fixtures, 'labels-400.bin'),
        '--features',
        path('pairs-new.npy'),
        '--old-features',
        path('pairs-old.npy'),
        '--adapter',
        path(adapter),
        '--json',
      );
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary.adapter).toMatch(adapter === 'query.json' ? /new queries/ : /old gallery/);
      // tooling/reference/pair_evaluation.py's figures for the new features against themselves.
      expect(summary.tests.cross.accuracy).toBeCloseTo(reference.accuracyMean, 6);
      expect(summary.tests.cross.auc).toBeCloseTo(reference.auc, 5);
    }
  });
});
