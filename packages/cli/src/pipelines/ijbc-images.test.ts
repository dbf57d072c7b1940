import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackbone, saveCheckpoint } from '@bctkit/backbones';
import { decodeImage, encodePng } from '@bctkit/datasets';
import { alignFace, readIjbcMeta } from '@bctkit/metrics';
import { createRandom, readNpy } from '@bctkit/tensor-ops';
import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBct as bct } from '../testing/run-bct.js';

const metaFixture = fileURLToPath(
  new URL('../../../metrics/src/fixtures/ijbc/meta/', import.meta.url),
);
const modelOptions = {
  type: 'iresnet-18',
  inputSize: 16,
  widthMultiplier: 1 / 16,
  embeddingDim: 8,
};
let root: string;
let work: string;

// A synthetic IJB-C layout: the metrics fixture's meta files, and one 120x100 image per line of
// ijbc_name_5pts_score.txt (PNG bytes under the .jpg names; the decoder reads the content).
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-ijbc-images-'));
  root = join(work, 'IJBC');
  await cp(metaFixture, join(root, 'meta'), { recursive: true });
  const meta = await readIjbcMeta(join(root, 'meta'));
  await mkdir(join(root, 'loose_crop'), { recursive: true });
  const random = createRandom(4);
  for (const name of meta.names) {
    const pixels = Uint8Array.from(
      { length: 120 * 100 * 3 },
      (_, i) => (i * 7 + random.nextInt(60)) % 256,
    );
    await writeFile(join(root, 'loose_crop', name), encodePng(pixels, 100, 120, 3));
  }
  for (const [name, seed] of [
    ['new', 1],
    ['old', 2],
  ] as const) {
    const model = createBackbone({ ...modelOptions, seed });
    await saveCheckpoint(join(work, name), model);
    model.dispose();
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bct eval ijbc --root (from images)', () => {
  it('aligns, embeds with flip-test and evaluates; --save-features gives the same report', async () => {
    const fromImages = await bct(
      'eval',
      'ijbc',
      '--root',
      root,
      '--model',
      join(work, 'new'),
      '--old-model',
      join(work, 'old'),
      '--save-features',
      join(work, 'features'),
      '--batch-size',
      '50',
      '--json',
    );
    expect(fromImages.code, fromImages.stderr).toBe(0);
    const report = JSON.parse(fromImages.stdout);
    expect(Object.keys(report.tests).sort()).toEqual(['cross', 'old', 'self']);
    expect(fromImages.stderr).toMatch(/IJB-C new features: 344\/344 images/);

    const fromFeatures = await bct(
      'eval',
      'ijbc',
      '--meta',
      join(root, 'meta'),
      '--features',
      join(work, 'features', 'new.npy'),
      '--old-features',
      join(work, 'features', 'old.npy'),
      '--json',
    );
    expect(fromFeatures.code).toBe(0);
    expect(JSON.parse(fromFeatures.stdout).tests).toEqual(report.tests);
  });

  it('each row is the embedding of the aligned crop plus that of its mirror', async () => {
    const meta = await readIjbcMeta(join(root, 'meta'));
    const saved = await readNpy(join(work, 'features', 'new.npy'));
    expect([saved.rows, saved.cols]).toEqual([344, 8]);
    const { loadCheckpoint } = await import('@bctkit/backbones');
    const { backbone } = await loadCheckpoint(join(work, 'new'));
    for (const index of [0, 17, 343]) {
      const image = decodeImage(
        new Uint8Array(await readFile(join(root, 'loose_crop', meta.names[index]!))),
      );
      const aligned = alignFace(image, meta.landmarks.subarray(10 * index, 10 * index + 10), 16);
      const expected = tf.tidy(() => {
        const input = tf.div(
          tf.sub(tf.tensor4d(Float32Array.from(aligned.data), [1, 16, 16, 3]), 127.5),
          127.5,
        ) as tf.Tensor4D;
        return tf.add(backbone.embed(input), backbone.embed(tf.reverse(input, 2))).dataSync();
      });
      expectAllClose(saved.data.subarray(8 * index, 8 * index + 8), expected, { atol: 1e-5 });
    }
    backbone.dispose();
  });

  it('bct eval ijbc-embed in 3 shards, merged, is byte-identical to one run and to --save-features', async () => {
    const embed = (...extra: string[]) =>
      bct(
        'eval',
        'ijbc-embed',
        '--root',
        root,
        '--model',
        join(work, 'new'),
        '--batch-size',
        '50',
        ...extra,
      );
    const whole = await embed('--out', join(work, 'embed.npy'));
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout).toMatch(/344 x 8 IJB-C features/);
    const wholeBytes = await readFile(join(work, 'embed.npy'));
    expect(wholeBytes.equals(await readFile(join(work, 'features', 'new.npy')))).toBe(true);
    const shards = [0, 1, 2].map((i) => join(work, `embed-${i}.npy`));
    for (const [i, path] of shards.entries()) {
      const part = await embed('--out', path, '--shard', `${i}/3`);
      expect(part.code, part.stderr).toBe(0);
    }
    // 7 batches of 50 over 3 shards: rows 0-100, 100-200, 200-344.
    expect((await readNpy(shards[0]!)).rows).toBe(100);
    expect((await readNpy(shards[2]!)).rows).toBe(144);
    const merge = await bct(
      'merge',
      ...shards.toReversed(),
      '--out',
      join(work, 'embed-merged.npy'),
    );
    expect(merge.stdout).toMatch(/344 x 8 ijbc-embed rows from 3 shards/);
    expect((await readFile(join(work, 'embed-merged.npy'))).equals(wholeBytes)).toBe(true);
  });

  it('asks for a model, refuses --features with --root, and names a missing image', async () => {
    const noModel = await bct('eval', 'ijbc', '--root', root);
    expect(noModel.code).not.toBe(0);
    expect(noModel.stderr).toMatch(/--root needs --model/);
    const both = await bct(
      'eval',
      'ijbc',
      '--root',
      root,
      '--model',
      join(work, 'new'),
      '--features',
      'x.npy',
    );
    expect(both.stderr).toMatch(/either --features/);
    const meta = await readIjbcMeta(join(root, 'meta'));
    await rm(join(root, 'loose_crop', meta.names[5]!));
    const missing = await bct('eval', 'ijbc', '--root', root, '--model', join(work, 'new'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(
      new RegExp(`${meta.names[5]!.replace('.', '\\.')}.*row 6 of the landmark file`),
    );
  });
});
