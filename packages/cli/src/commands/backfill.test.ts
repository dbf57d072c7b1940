import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyAdapter, readAdapter } from '@bctkit/adapters';
import { retrievalMetrics } from '@bctkit/metrics';
import { readNpy, writeNpy } from '@bctkit/tensor-ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import reference from '../../../metrics/src/fixtures/backfill.json' with { type: 'json' };
import { runBct as bct } from '../testing/run-bct.js';

let work: string;
const path = (name: string) => join(work, name);
const rows = reference.labels.length;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-backfill-'));
  await writeNpy(path('new.npy'), {
    data: Float32Array.from(reference.new),
    rows,
    cols: reference.dim,
  });
  await writeNpy(path('old.npy'), {
    data: Float32Array.from(reference.old),
    rows,
    cols: reference.dim,
  });
  await writeNpy(path('narrow.npy'), {
    data: Float32Array.from(reference.old.slice(0, rows * 4)),
    rows,
    cols: 4,
  });
  await writeFile(path('labels.txt'), `${reference.labels.join('\n')}\n`);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bct eval backfill', () => {
  it("gives numpy's uncertainty curve, every policy's, and writes the report", async () => {
    const run = await bct(
      'eval',
      'backfill',
      '--features',
      path('new.npy'),
      '--old-features',
      path('old.npy'),
      '--labels',
      path('labels.txt'),
      '--json',
      '--report',
      path('report'),
    );
    expect(run.code, run.stderr).toBe(0);
    const curves = JSON.parse(run.stdout);
    expect(curves.map((curve: { policy: string }) => curve.policy)).toEqual([
      'random',
      'uncertainty',
      'class',
    ]);
    const uncertainty = curves[1];
    uncertainty.points.forEach((point: { top1: number }, k: number) => {
      expect(point.top1).toBeCloseTo(reference.points[k]!.top1, 12);
    });
    // Every policy starts at the cross-test and ends at the self-test.
    for (const curve of curves) {
      expect(curve.points[0].top1).toBeCloseTo(reference.points[0]!.top1, 12);
      expect(curve.points[10].top1).toBeCloseTo(reference.points[10]!.top1, 12);
    }
    expect((await readdir(path('report'))).sort()).toEqual([
      'backfill.json',
      'backfill.md',
      'backfill.png',
      'backfill.svg',
    ]);
  });

  it('refuses an unknown policy and features of different widths', async () => {
    const policy = await bct(
      'eval',
      'backfill',
      '--features',
      path('new.npy'),
      '--old-features',
      path('old.npy'),
      '--labels',
      path('labels.txt'),
      '--policy',
      'fastest',
    );
    expect([policy.code, policy.stderr]).toEqual([
      2,
      expect.stringMatching(/--policy: unknown policy 'fastest'/),
    ]);
    const narrow = await bct(
      'eval',
      'backfill',
      '--features',
      path('new.npy'),
      '--old-features',
      path('narrow.npy'),
      '--labels',
      path('labels.txt'),
    );
    expect(narrow.code).toBe(1);
    expect(narrow.stderr).toMatch(
      /narrow\.npy is 4 wide and .*new\.npy 8: give an adapter between the spaces \(--adapter/,
    );
  });

  it('runs through an adapter: cross-test through it at 0%, the self-test at 100%', async () => {
    const fit = await bct(
      'adapt',
      'fit',
      '--from',
      path('new.npy'),
      '--to',
      path('narrow.npy'),
      '--method',
      'affine',
      '--out',
      path('query.json'),
    );
    expect(fit.code).toBe(0);
    const run = await bct(
      'eval',
      'backfill',
      '--features',
      path('new.npy'),
      '--old-features',
      path('narrow.npy'),
      '--labels',
      path('labels.txt'),
      '--adapter',
      path('query.json'),
      '--policy',
      'random',
      '--steps',
      '2',
      '--json',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('through the adapter');
    const [curve] = JSON.parse(run.stdout) as { points: { top1: number }[] }[];
    // The end points, computed here without the backfill code.
    const fresh = await readNpy(path('new.npy'));
    const narrow = await readNpy(path('narrow.npy'));
    const mapped = applyAdapter(await readAdapter(path('query.json')), fresh);
    const options = { ks: [1], excludeSameIndex: true };
    const cross = retrievalMetrics(mapped, reference.labels, narrow, reference.labels, options);
    const self = retrievalMetrics(fresh, reference.labels, fresh, reference.labels, options);
    expect(curve!.points[0]!.top1).toBeCloseTo(cross.top['1']!, 10);
    expect(curve!.points[2]!.top1).toBeCloseTo(self.top['1']!, 10);
  });
});
