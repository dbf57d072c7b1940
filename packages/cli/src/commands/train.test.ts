import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '@bctkit/tensor-ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeKind } from '../pipelines/shards.js';
import { runBct as bct } from '../testing/run-bct.js';
import { applyOverrides } from './train.js';

const data = {
  type: 'synthetic',
  classes: 4,
  imagesPerClass: 10,
  height: 16,
  width: 16,
  channels: 1,
};
const config = {
  data,
  backbone: {
    type: 'r18',
    inputSize: 16,
    widthMultiplier: 0.0625,
    embeddingDim: 8,
    inputChannels: 1,
  },
  head: { type: 'arcface', scale: 16 },
  batchSize: 8,
  epochs: 1,
  workers: 0,
};
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-cli-train-'));
  await writeFile(join(work, 'old.json'), JSON.stringify(config));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bct train / extract / denoise / prototypes', () => {
  it('trains an old model, extracts its features, denoises, and trains a new model with MixBCT', async () => {
    const old = await bct(
      'train',
      '--config',
      join(work, 'old.json'),
      '--out',
      join(work, 'old'),
      '--backend',
      'cpu',
    );
    expect(old.code, old.stderr).toBe(0);
    expect(JSON.parse(old.stdout.slice(0, old.stdout.lastIndexOf('}') + 1)).optimizer).toEqual({
      learningRate: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
      clipNorm: 5,
    });
    expect(old.stderr).toMatch(/backend: cpu/);
    expect(old.stderr).toMatch(/train: step 5\/5 \(epoch 1\), loss \d/);

    const features = join(work, 'old-features.npy');
    const extract = await bct(
      'extract',
      '--model',
      join(work, 'old', 'checkpoint'),
      '--data',
      JSON.stringify(data),
      '--out',
      features,
      '--batch-size',
      '8',
      '--backend',
      'cpu',
    );
    expect(extract.code, extract.stderr).toBe(0);
    const matrix = await readNpy(features);
    expect([matrix.rows, matrix.cols]).toEqual([40, 8]);
    const labels = (await readFile(join(work, 'old-features.labels.txt'), 'utf8'))
      .trim()
      .split('\n')
      .map(Number);
    expect(labels.slice(0, 12)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);

    // The same extraction in 3 shards, merged, is byte-identical; merge refuses gaps and repeats.
    const shards = [0, 1, 2].map((i) => join(work, `shard-${i}.npy`));
    for (const [i, path] of shards.entries()) {
      const part = await bct(
        'extract',
        '--model',
        join(work, 'old', 'checkpoint'),
        '--data',
        JSON.stringify(data),
        '--out',
        path,
        '--shard',
        `${i}/3`,
        '--batch-size',
        '8',
        '--backend',
        'cpu',
      );
      expect(part.code, part.stderr).toBe(0);
    }
    const merged = join(work, 'merged.npy');
    const merge = await bct('merge', ...shards, '--out', merged);
    expect(merge.code, merge.stderr).toBe(0);
    // Shards hold whole batches (5 of 8 rows here: rows 0-8, 8-24, 24-40), so they make the same
    // batches as one extraction and the merged file is byte-identical to it.
    expect(merge.stdout).toMatch(/40 x 8 extract rows from 3 shards/);
    expect(merge.stderr).not.toMatch(/warning/);
    const compute = computeKind();
    expect(compute).toMatch(/^cpu, (native|JavaScript) kernels$/);
    expect(
      await Promise.all(
        shards.map(async (path) => JSON.parse(await readFile(`${path}.shard.json`, 'utf8'))),
      ),
    ).toEqual([
      { stage: 'extract', shard: 0, of: 3, start: 0, end: 8, total: 40, compute },
      { stage: 'extract', shard: 1, of: 3, start: 8, end: 24, total: 40, compute },
      { stage: 'extract', shard: 2, of: 3, start: 24, end: 40, total: 40, compute },
    ]);
    expect((await readFile(merged)).equals(await readFile(features))).toBe(true);
    expect(await readFile(join(work, 'merged.labels.txt'), 'utf8')).toBe(
      await readFile(join(work, 'old-features.labels.txt'), 'utf8'),
    );
    const gap = await bct('merge', shards[0]!, shards[2]!, '--out', join(work, 'gap.npy'));
    expect(gap.stderr).toMatch(/missing shard 1\/3/);
    const twice = await bct(
      'merge',
      shards[0]!,
      shards[0]!,
      shards[1]!,
      shards[2]!,
      '--out',
      join(work, 'x.npy'),
    );
    expect(twice.stderr).toMatch(/shard 0\/3 is given twice/);
    // More shards than batches: the empty ones still write a (0-row) file for bct merge.
    const empty = await bct(
      'extract',
      '--model',
      join(work, 'old', 'checkpoint'),
      '--data',
      JSON.stringify(data),
      '--out',
      join(work, 'empty.npy'),
      '--shard',
      '0/6',
      '--batch-size',
      '16',
    );
    expect(empty.stdout, empty.stderr).toMatch(/0 x 8 features \(shard 0\/6 is empty\)/);
    expect((await readNpy(join(work, 'empty.npy'))).rows).toBe(0);
    const badShard = await bct(
      'extract',
      '--model',
      'm',
      '--data',
      '{}',
      '--out',
      'x.npy',
      '--shard',
      '3/3',
    );
    expect(badShard.stderr).toMatch(/expected i\/N with 0 <= i < N, got 3\/3/);

    const denoise = await bct(
      'denoise',
      '--features',
      features,
      '--labels',
      join(work, 'old-features.labels.txt'),
      '--out',
      join(work, 'credible.npy'),
    );
    expect(denoise.code, denoise.stderr).toBe(0);
    expect(denoise.stdout).toMatch(/kept 36, dropped 4/); // ceil(0.9 * 10) = 9 of 10 per class
    // In 3 shards of whole classes (rows 0-20, 20-30, 30-40), merged: the same flags file.
    const flagShards = [0, 1, 2].map((i) => join(work, `credible-${i}.npy`));
    for (const [i, path] of flagShards.entries()) {
      const part = await bct(
        'denoise',
        '--features',
        features,
        '--labels',
        join(work, 'old-features.labels.txt'),
        '--out',
        path,
        '--shard',
        `${i}/3`,
      );
      expect(part.stdout, part.stderr).toMatch(
        i === 0 ? /kept 18, dropped 2/ : /kept 9, dropped 1/,
      );
    }
    const flagsMerge = await bct(
      'merge',
      ...flagShards,
      '--out',
      join(work, 'credible-merged.npy'),
    );
    expect(flagsMerge.stdout).toMatch(/40 x 1 denoise rows from 3 shards/);
    expect(
      (await readFile(join(work, 'credible-merged.npy'))).equals(
        await readFile(join(work, 'credible.npy')),
      ),
    ).toBe(true);
    const mixed = await bct(
      'merge',
      flagShards[0]!,
      shards[1]!,
      shards[2]!,
      '--out',
      join(work, 'x.npy'),
    );
    expect(mixed.stderr).toMatch(/is extract shard 1\/3 of 40 rows, .* is denoise of 3 shards/);
    const prototypes = await bct(
      'prototypes',
      '--features',
      features,
      '--labels',
      join(work, 'old-features.labels.txt'),
      '--out',
      join(work, 'prototypes.npy'),
    );
    expect(prototypes.stdout).toMatch(/4 x 8 prototypes/);

    const mix = await bct(
      'train',
      '--config',
      join(work, 'old.json'),
      '--out',
      join(work, 'new'),
      '--backend',
      'cpu',
      '--set',
      'loss={"type":"mixbct","ratio":0.5}',
      '--set',
      `oldFeatures=${features}`,
      '--set',
      `credible=${join(work, 'credible.npy')}`,
      '--set',
      'seed=7',
    );
    expect(mix.code, mix.stderr).toBe(0);
    expect(mix.stdout).toMatch(/trained 5 steps/);

    // Every other compatibility method, with what it needs: the old features (L2, NCCL, and LCE
    // and AdvBCT, whose class centres the run computes from them) or the prototypes (BCT, UniBCT).
    for (const [method, extra] of [
      ['l2', [`oldFeatures=${features}`]],
      ['nccl', [`oldFeatures=${features}`]],
      ['lce', [`oldFeatures=${features}`]],
      ['advbct', [`oldFeatures=${features}`]],
      ['bct', [`prototypes=${join(work, 'prototypes.npy')}`]],
      ['unibct', [`prototypes=${join(work, 'prototypes.npy')}`, `oldFeatures=${features}`]],
    ] as const) {
      const run = await bct(
        'train',
        '--config',
        join(work, 'old.json'),
        '--out',
        join(work, `new-${method}`),
        '--backend',
        'cpu',
        '--set',
        `loss.type=${method}`,
        ...extra.flatMap((item) => ['--set', item]),
      );
      expect(run.code, `${method}: ${run.stderr}`).toBe(0);
      expect(run.stdout, method).toMatch(/trained 5 steps/);
      const log = (await readFile(join(work, `new-${method}`, 'train.jsonl'), 'utf8')).trim();
      for (const line of log.split('\n')) {
        expect(Number.isFinite(JSON.parse(line).loss), method).toBe(true);
      }
    }
    const missing = await bct(
      'train',
      '--config',
      join(work, 'old.json'),
      '--out',
      join(work, 'new-lce-missing'),
      '--set',
      'loss.type=lce',
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/config\.oldFeatures.*lce needs the old-model features/);
  });

  it('names a bad override and a config typo', async () => {
    const typo = await bct(
      'train',
      '--config',
      join(work, 'old.json'),
      '--out',
      join(work, 'x'),
      '--set',
      'epoch=2',
    );
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toMatch(/epoch.*epochs/);
    expect(() => applyOverrides({}, ['nokey'])).toThrow(/expected key=value/);
    expect(applyOverrides({ a: { b: 1 } }, ['a.c=[1,2]', 'd=text'])).toEqual({
      a: { b: 1, c: [1, 2] },
      d: 'text',
    });
    // null removes a key (a field of the config file that the command line wants gone).
    expect(applyOverrides({ a: { b: 1, c: 2 }, d: 3 }, ['a.b=null', 'd=null'])).toEqual({
      a: { c: 2 },
    });
  });
});
