import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackbone, saveCheckpoint } from '@bctkit/backbones';
import { encodePng } from '@bctkit/datasets';
import { writeNpy } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import reference from '../../../metrics/src/fixtures/pair-evaluation.json' with { type: 'json' };
import { runBct as bct } from '../testing/run-bct.js';

const fixtures = fileURLToPath(new URL('../fixtures/verification/', import.meta.url));
let work: string;

/** Rows 2k and 2k+1 are pair k's images: the layout of a .bin set's features. */
function interleaved(first: number[], second: number[], dim: number) {
  const pairs = first.length / dim;
  const data = new Float32Array(2 * pairs * dim);
  for (let k = 0; k < pairs; k++) {
    data.set(first.slice(k * dim, (k + 1) * dim), 2 * k * dim);
    data.set(second.slice(k * dim, (k + 1) * dim), (2 * k + 1) * dim);
  }
  return { data, rows: 2 * pairs, cols: dim };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-verification-'));
  const { dim } = reference;
  await writeNpy(join(work, 'features.npy'), interleaved(reference.first, reference.second, dim));
  // Old features: the second images' rows swapped in first place, so cross = (first, first).
  await writeNpy(join(work, 'same.npy'), interleaved(reference.first, reference.first, dim));
  await writeNpy(join(work, 'short.npy'), {
    data: new Float32Array(10 * dim),
    rows: 10,
    cols: dim,
  });
  const options = { type: 'iresnet-18', inputSize: 16, widthMultiplier: 1 / 16, embeddingDim: 8 };
  const model = createBackbone({ ...options, seed: 3 });
  await saveCheckpoint(join(work, 'model'), model);
  model.dispose();
  const wide = createBackbone({ ...options, embeddingDim: 12, seed: 4 });
  await saveCheckpoint(join(work, 'wide'), wide);
  wide.dispose();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bct eval verification', () => {
  it('measures features as numpy + scikit-learn do (tooling/reference/pair_evaluation.py)', async () => {
    const run = await bct(
      'eval',
      'verification',
      '--bin',
      join(fixtures, 'labels-400.bin'),
      '--features',
      join(work, 'features.npy'),
      '--json',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ pairs: 400, folds: 10, thresholds: 'insightface' });
    expect(Object.keys(summary.tests)).toEqual(['self']);
    expect(summary.tests.self.accuracy).toBeCloseTo(reference.accuracyMean, 12);
    expect(summary.tests.self.accuracyStd).toBeCloseTo(reference.accuracyStd, 12);
    expect(summary.tests.self.tar).toEqual(reference.tar);
    expect(summary.tests.self.auc).toBeCloseTo(reference.auc, 6);
  });

  it('runs self, cross and old: cross pairs new first images with old second images', async () => {
    const run = await bct(
      'eval',
      'verification',
      '--bin',
      join(fixtures, 'labels-400.bin'),
      '--features',
      join(work, 'features.npy'),
      '--old-features',
      join(work, 'same.npy'),
    );
    expect(run.code).toBe(0);
    // cross compares features' first rows with same.npy's second rows (= the first rows): every
    // pair is identical, distance 0, so each is "same": accuracy = share of genuine pairs.
    const genuine = reference.issame.filter((value) => value === 1).length / 400;
    const crossLine = run.stdout.split('\n').find((line) => line.startsWith('new / old (cross)'))!;
    expect(Number(crossLine.split(/\s+/)[4])).toBeCloseTo(100 * genuine, 2);
    expect(run.stdout).toMatch(/^old \/ old/m);
    expect(run.stdout).toMatch(/compatibility: cross/);
  });

  it('embeds images with --model and --old-model (resizing them), flip-test by default', async () => {
    const run = await bct(
      'eval',
      'verification',
      '--bin',
      join(fixtures, 'images-4.bin'),
      '--model',
      join(work, 'model'),
      '--old-model',
      join(work, 'model'),
      '--folds',
      '2',
      '--json',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /images are 30x40 RGB \(the first one\), the model takes 16x16 RGB: resized \(antialiased bilinear/,
    );
    const summary = JSON.parse(run.stdout);
    expect(summary.flip).toBe(true);
    // The same model as new and old: the cross-test is the self-test.
    expect(summary.tests.cross).toEqual(summary.tests.self);
    expect(summary.tests.old).toEqual(summary.tests.self);
  });

  it('skips the cross-test, saying why, when the embeddings differ in width', async () => {
    const run = await bct(
      'eval',
      'verification',
      '--bin',
      join(fixtures, 'images-4.bin'),
      '--model',
      join(work, 'wide'),
      '--old-model',
      join(work, 'model'),
      '--folds',
      '2',
      '--json',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /cross-test skipped: the new embeddings have 12 values and the old 8/,
    );
    expect(Object.keys(JSON.parse(run.stdout).tests)).toEqual(['self', 'old']);
  });

  it('reads an LFW pair list over an image folder, leaving out pairs with missing files on request', async () => {
    const images = join(work, 'lfw');
    for (const name of ['Ann_A', 'Bob_B']) {
      await mkdir(join(images, name), { recursive: true });
      for (const n of [1, 2]) {
        const pixels = Uint8Array.from(
          { length: 20 * 20 * 3 },
          (_, i) => (i * n + name.length) % 256,
        );
        await writeFile(join(images, name, `${name}_000${n}.jpg`), encodePng(pixels, 20, 20, 3));
      }
    }
    const pairs = join(work, 'pairs.txt');
    await writeFile(pairs, '3\nAnn_A\t1\t2\nAnn_A\t1\tBob_B\t2\nCid_C\t1\tBob_B\t1\n');
    const args = [
      'eval',
      'verification',
      '--pairs',
      pairs,
      '--images',
      images,
      '--model',
      join(work, 'model'),
      '--folds',
      '2',
      '--json',
    ];
    const refused = await bct(...args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/pairs\.txt: pair 3 names .*Cid_C_0001\.jpg: no such file/);
    const run = await bct(...args, '--skip-missing');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/1 pair\(s\) left out/);
    expect(JSON.parse(run.stdout).pairs).toBe(2);
  });

  it.each([
    [['--bin', 'short.bin', '--features', 'features.npy'], 1, /short\.bin.*3 images for 2 pairs/],
    [
      ['--bin', 'labels-400.bin', '--features', 'short.npy'],
      1,
      /short\.npy \(--features\) has 10 rows, the verification set has 800 images/,
    ],
    [['--features', 'features.npy'], 2, /give a verification set/],
    [['--bin', 'labels-400.bin'], 2, /give a model/],
    [
      ['--bin', 'labels-400.bin', '--features', 'features.npy', '--thresholds', 'coarse'],
      2,
      /expected insightface or fine/,
    ],
  ])('refuses %j (exit %i)', async (args, code, message) => {
    const resolved = args.map((arg) =>
      arg.endsWith('.bin') ? join(fixtures, arg) : arg.endsWith('.npy') ? join(work, arg) : arg,
    );
    const before = tf.memory().numTensors;
    const run = await bct('eval', 'verification', ...resolved);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});
