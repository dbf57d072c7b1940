import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facePresets } from '../presets/face-presets.js';
import { assertBuiltIsCurrent } from '../testing/built-cli.js';
import { FACES_SKIP_REASON, findFaces, REPOSITORY_ROOT } from '../testing/faces.js';
import { FACE_BENCHMARK_METHODS } from './face-benchmark.js';

// `pnpm bench faces --preset lfw-smoke`: the real-face benchmark's whole pipeline (packing,
// old model, features, denoising, prototypes, every method, evaluation, table, plot) in minutes.
const faces = findFaces();
let work: string;
const run = (cache: string, results: string) =>
  promisify(execFile)(
    process.execPath,
    [
      join(REPOSITORY_ROOT, 'tooling', 'bench', 'index.mjs'),
      'faces',
      '--preset',
      'lfw-smoke',
      '--seeds',
      '1',
      '--lfw',
      join(faces!, 'lfw'),
      '--cache',
      cache,
      '--results',
      results,
    ],
    { cwd: REPOSITORY_ROOT, maxBuffer: 64 * 1024 * 1024 },
  );

beforeAll(async () => {
  if (faces === undefined) return;
  await assertBuiltIsCurrent();
  work = await mkdtemp(join(tmpdir(), 'bctkit-face-bench-'));
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe.skipIf(faces === undefined)('pnpm bench faces --preset lfw-smoke', () => {
  it('runs every method end to end, writes every file, and reuses finished runs', {
    timeout: 900_000,
  }, async () => {
    const cache = join(work, 'cache');
    const results = join(work, 'results');
    const first = await run(cache, results);
    expect(await readdir(results)).toEqual(['lfw-smoke.json', 'lfw-smoke.md', 'lfw-smoke.svg']);
    const seed = await readdir(join(cache, 'seed-1'));
    const preset = facePresets.get('lfw-smoke');
    const adapters = preset.adapters ?? [];
    const methods = preset.methods ?? [];
    expect(adapters).toEqual(['procrustes', 'affine', 'mlp', 'fct']);
    expect(methods).toEqual([...FACE_BENCHMARK_METHODS, 'bt2']);
    for (const method of [...methods, 'old', ...adapters.map((id) => `none+${id}`)])
      expect(seed).toContain(`${method}.json`);
    expect(seed).toEqual(
      expect.arrayContaining(['old-features.npy', 'credible.npy', 'prototypes.npy']),
    );
    const summary = JSON.parse(await readFile(join(results, 'lfw-smoke.json'), 'utf8'));
    // one old / old row, self and cross for each method, and a cross row per adapter
    expect(summary.rows).toHaveLength(1 + 2 * methods.length + adapters.length);
    // The adapters were fitted on the support images (more than the training set's).
    expect(await readdir(join(cache, 'data'))).toContain('support');
    // BT² grew the embedding (64 against the old 32) and crossed through its learned map.
    expect(await readdir(join(cache, 'seed-1', 'runs', 'new-bt2'))).toContain('query-adapter.json');
    for (const row of summary.rows) {
      for (const figure of ['accuracy', 'top1', 'top5', 'mapAtR'])
        expect(row[figure].mean).toBeGreaterThanOrEqual(0);
      expect(row.seeds).toEqual([1]);
    }
    expect(first.stdout).toMatch(/\| mixbct \| cross \|/);
    expect(first.stdout).toMatch(/\| none\+fct \| cross \|/);
    expect(first.stdout).toMatch(/\| bt2 \| cross \|/);
    expect(await readFile(join(results, 'lfw-smoke.svg'), 'utf8')).toMatch(/^<svg/);
    // A second run finds every (seed, method) done and trains nothing.
    const second = await run(cache, results);
    expect(second.stderr).not.toMatch(/seed \d+: training/);
    expect(JSON.parse(await readFile(join(results, 'lfw-smoke.json'), 'utf8')).rows).toEqual(
      summary.rows,
    );
    expect(second.stderr).not.toMatch(/fitting and evaluating/);
    // An adapter result fitted on other features (an older cache) is fitted again, alone.
    const fctPath = join(cache, 'seed-1', 'none+fct.json');
    const fct = JSON.parse(await readFile(fctPath, 'utf8'));
    expect(fct.fittedOn).toBe('flip-test features of peopleDevTrain.txt (>= 10 images)');
    await writeFile(fctPath, JSON.stringify({ ...fct, fittedOn: undefined }));
    const third = await run(cache, results);
    expect(third.stderr).toMatch(/fitting and evaluating the fct adapter/);
    expect(third.stderr).not.toMatch(/the (procrustes|affine|mlp) adapter|seed \d+: training/);
    expect(JSON.parse(await readFile(fctPath, 'utf8')).fittedOn).toBe(fct.fittedOn);
  });
});

it.skipIf(faces !== undefined)(FACES_SKIP_REASON, () => {});
