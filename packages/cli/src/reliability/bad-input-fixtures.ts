import { copyFile, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fitAdapter, serializeAdapter, writeAdapter } from '@bctkit/adapters';
import { encodePng, openSource, packSource } from '@bctkit/datasets';
import { createRandom, writeNpy } from '@bctkit/tensor-ops';
import { runBct } from '../testing/run-bct.js';

/** 3 classes of 4 images, 16x16 grey: the data every fixture below describes. */
export const FIXTURE_DATA = {
  type: 'synthetic',
  classes: 3,
  imagesPerClass: 4,
  height: 16,
  width: 16,
  channels: 1,
} as const;
const ROWS = 12;
const DIM = 4;

/** A training config on {@link FIXTURE_DATA} with a tiny backbone (embeddings of {@link DIM}). */
export function fixtureConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    data: FIXTURE_DATA,
    backbone: {
      type: 'r18',
      inputSize: 16,
      widthMultiplier: 0.0625,
      embeddingDim: DIM,
      inputChannels: 1,
    },
    head: { type: 'arcface', scale: 16 },
    batchSize: 4,
    epochs: 1,
    workers: 0,
    ...extra,
  };
}

/** A `[rows, cols]` float32 matrix of distinct finite values. */
function matrix(rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: rows * cols }, (_, index) => Math.sin(index + 1));
}

async function npy(path: string, data: Float32Array, shape: number[]): Promise<void> {
  await writeNpy(
    path,
    { data, rows: shape[0]!, cols: data.length / Math.max(1, shape[0]!) },
    shape,
  );
}

/**
 * Writes every input of the bad-input matrix into `work`: good files and damaged ones (NaN and
 * infinite rows, wrong shapes, truncated and foreign bytes, directories where files belong,
 * broken labels, credible flags that are features, configs with typos and malformed YAML, a
 * packed `.rec` and damaged copies, an image folder with an image that does not decode, and a
 * finished training run).
 */
export async function writeBadInputFixtures(work: string): Promise<void> {
  const features = matrix(ROWS, DIM);
  await npy(join(work, 'feat.npy'), features, [ROWS, DIM]);
  const labels = Array.from({ length: ROWS }, (_, row) => Math.floor(row / 4));
  const lines = (values: readonly (number | string)[]) => `${values.join('\n')}\n`;
  await writeFile(join(work, 'feat.labels.txt'), lines(labels));

  const withValue = (row: number, col: number, value: number) => {
    const copy = features.slice();
    copy[row * DIM + col] = value;
    return copy;
  };
  await npy(join(work, 'nan.npy'), withValue(5, 1, Number.NaN), [ROWS, DIM]);
  await npy(join(work, 'inf.npy'), withValue(2, 3, Number.POSITIVE_INFINITY), [ROWS, DIM]);
  await npy(join(work, 'feat3d.npy'), features, [ROWS, 2, 2]);
  await npy(join(work, 'wide.npy'), matrix(ROWS, DIM + 1), [ROWS, DIM + 1]);
  await npy(join(work, 'rows10.npy'), matrix(10, DIM), [10, DIM]);
  await npy(join(work, 'zeros.npy'), new Float32Array(ROWS * DIM), [ROWS, DIM]);
  await copyFile(join(work, 'feat.npy'), join(work, 'trunc.npy'));
  await truncate(join(work, 'trunc.npy'), (await readFile(join(work, 'feat.npy'))).length - 10);
  await writeFile(join(work, 'text.npy'), 'these are not features\n');
  await writeFile(join(work, 'empty.npy'), '');
  await mkdir(join(work, 'dir.npy'));
  await mkdir(join(work, 'dir.json'));
  await mkdir(join(work, 'dir.txt'));

  await writeFile(join(work, 'labels-short.txt'), lines(labels.slice(0, 10)));
  await writeFile(join(work, 'labels-neg.txt'), lines([-1, ...labels.slice(1)]));
  await writeFile(join(work, 'labels-text.txt'), lines([0, 0, 'cat', ...labels.slice(3)]));
  await writeFile(join(work, 'labels-split.txt'), lines([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 2]));
  await writeFile(join(work, 'labels-empty.txt'), '');

  const flags = Float32Array.from({ length: ROWS }, (_, row) => (row % 4 === 3 ? 0 : 1));
  await npy(join(work, 'credible.npy'), flags, [ROWS]);
  await npy(join(work, 'credible-half.npy'), new Float32Array(ROWS).fill(0.5), [ROWS]);
  await npy(join(work, 'credible-short.npy'), flags.subarray(0, 10), [10]);
  await npy(
    join(work, 'credible-nan.npy'),
    Float32Array.from(flags, (f, i) => (i === 7 ? Number.NaN : f)),
    [ROWS],
  );

  const prototypes = matrix(3, DIM);
  await npy(join(work, 'protos.npy'), prototypes, [3, DIM]);
  await npy(
    join(work, 'protos-nan.npy'),
    Float32Array.from(prototypes, (v, i) => (i === 6 ? Number.NaN : v)),
    [3, DIM],
  );
  await npy(join(work, 'protos-wide.npy'), matrix(3, DIM + 1), [3, DIM + 1]);

  // Adapters: a full-rank pair of feature files (feat.npy spans only 2 of its 4 dimensions),
  // an adapter fitted on them (5 -> 4), a file that is not an adapter and a damaged one.
  const random = createRandom(7);
  const normal = (rows: number, cols: number) =>
    Float32Array.from({ length: rows * cols }, () => random.nextNormal());
  const pairedWide = normal(ROWS, DIM + 1);
  const pairedNarrow = normal(ROWS, DIM);
  await npy(join(work, 'paired-wide.npy'), pairedWide, [ROWS, DIM + 1]);
  await npy(join(work, 'paired.npy'), pairedNarrow, [ROWS, DIM]);
  const adapter = await fitAdapter(
    {
      from: { data: pairedWide, rows: ROWS, cols: DIM + 1 },
      to: { data: pairedNarrow, rows: ROWS, cols: DIM },
    },
    { method: 'procrustes' },
  );
  await writeAdapter(join(work, 'adapter.json'), adapter);
  await npy(join(work, 'few-wide.npy'), pairedWide.subarray(0, 3 * (DIM + 1)), [3, DIM + 1]);
  await npy(join(work, 'few.npy'), pairedNarrow.subarray(0, 3 * DIM), [3, DIM]);
  const damaged = JSON.parse(serializeAdapter(adapter));
  damaged.parameters.w.base64 = damaged.parameters.w.base64.slice(0, 8);
  await writeFile(join(work, 'adapter-damaged.json'), JSON.stringify(damaged));

  const json = (name: string, value: unknown) =>
    writeFile(join(work, name), `${JSON.stringify(value, null, 2)}\n`);
  const path = (name: string) => join(work, name);
  await json('good.json', fixtureConfig());
  await json('typo.json', { ...fixtureConfig(), epoch: 2 });
  await json('unknown-loss.json', fixtureConfig({ loss: { type: 'mixbtc' } }));
  await json(
    'bad-loss-option.json',
    fixtureConfig({ loss: { type: 'l2', lambda: -1 }, oldFeatures: path('feat.npy') }),
  );
  await json('unknown-source.json', { ...fixtureConfig(), data: { type: 'synthetc' } });
  await json('array.json', [fixtureConfig()]);
  await writeFile(join(work, 'notjson.json'), '{ "data": { "type": "synthetic", }\n');
  await writeFile(join(work, 'bad.yaml'), 'data:\n  type: synthetic\n   classes: 3\n');
  await writeFile(join(work, 'tabs.yml'), 'data: {type: synthetic\nepochs: [1\n');
  await json(
    'mixbct-no-credible.json',
    fixtureConfig({ loss: { type: 'mixbct' }, oldFeatures: path('feat.npy') }),
  );
  await json(
    'mixbct-features-as-credible.json',
    fixtureConfig({
      loss: { type: 'mixbct' },
      oldFeatures: path('feat.npy'),
      credible: path('feat.npy'),
    }),
  );
  await json(
    'mixbct-half-credible.json',
    fixtureConfig({
      loss: { type: 'mixbct' },
      oldFeatures: path('feat.npy'),
      credible: path('credible-half.npy'),
    }),
  );
  await json(
    'mixbct-nan-credible.json',
    fixtureConfig({
      loss: { type: 'mixbct' },
      oldFeatures: path('feat.npy'),
      credible: path('credible-nan.npy'),
    }),
  );
  await json(
    'mixbct-short-credible.json',
    fixtureConfig({
      loss: { type: 'mixbct' },
      oldFeatures: path('feat.npy'),
      credible: path('credible-short.npy'),
    }),
  );
  await json(
    'mixbct-no-old.json',
    fixtureConfig({ loss: { type: 'mixbct' }, credible: path('credible.npy') }),
  );
  await json(
    'l2-nan-old.json',
    fixtureConfig({ loss: { type: 'l2' }, oldFeatures: path('nan.npy') }),
  );
  await json(
    'l2-missing-old.json',
    fixtureConfig({ loss: { type: 'l2' }, oldFeatures: path('absent.npy') }),
  );
  await json(
    'l2-dir-old.json',
    fixtureConfig({ loss: { type: 'l2' }, oldFeatures: path('dir.npy') }),
  );
  await json(
    'l2-rows-old.json',
    fixtureConfig({ loss: { type: 'l2' }, oldFeatures: path('rows10.npy') }),
  );
  await json(
    'l2-wide-old.json',
    fixtureConfig({ loss: { type: 'l2' }, oldFeatures: path('wide.npy') }),
  );
  await json(
    'l2-3d-old.json',
    fixtureConfig({ loss: { type: 'l2' }, oldFeatures: path('feat3d.npy') }),
  );
  await json(
    'l2-trunc-old.json',
    fixtureConfig({ loss: { type: 'l2' }, oldFeatures: path('trunc.npy') }),
  );
  await json(
    'l2-resource-typo.json',
    fixtureConfig({ loss: { type: 'l2' }, resources: { oldFeaturs: path('feat.npy') } }),
  );
  await json('plugin-loss.json', fixtureConfig({ loss: { type: 'ract' } }));
  await writeFile(join(work, 'not-a-plugin.mjs'), 'export const answer = 42;\n');
  await json('bct-no-prototypes.json', fixtureConfig({ loss: { type: 'bct' } }));
  await json(
    'bct-nan-prototypes.json',
    fixtureConfig({ loss: { type: 'bct' }, prototypes: path('protos-nan.npy') }),
  );
  await json(
    'bct-wide-prototypes.json',
    fixtureConfig({ loss: { type: 'bct' }, prototypes: path('protos-wide.npy') }),
  );
  await json('lce-no-old.json', fixtureConfig({ loss: { type: 'lce' } }));
  await json('advbct-no-old.json', fixtureConfig({ loss: { type: 'advbct' } }));
  await json('nccl-no-old.json', fixtureConfig({ loss: { type: 'nccl' } }));
  await json('negative-lr.json', fixtureConfig({ optimizer: { learningRate: -0.1 } }));
  await json('batch-one.json', fixtureConfig({ batchSize: 1 }));
  await json(
    'diverging.json',
    fixtureConfig({ optimizer: { learningRate: 1e38, clipNorm: 1e38 } }),
  );
  await json('empty-data.json', fixtureConfig({ data: { ...FIXTURE_DATA, classes: 0 } }));
  await json('data.json', FIXTURE_DATA);
  await json(
    'wider.json',
    fixtureConfig({
      backbone: {
        type: 'r18',
        inputSize: 16,
        widthMultiplier: 0.0625,
        embeddingDim: 6,
        inputChannels: 1,
      },
    }),
  );
  await json('data-typo.json', { ...FIXTURE_DATA, clases: 3 });

  // An image folder (3 identities of PNGs), packed as rec/train.rec with damaged copies.
  const images = join(work, 'images');
  for (let label = 0; label < 3; label++) {
    await mkdir(join(images, `person${label}`), { recursive: true });
    for (let index = 0; index < 20; index++) {
      const pixels = Uint8Array.from(
        { length: 256 },
        (_, i) => (i * 7 + index * 13 + label * 31) % 256,
      );
      await writeFile(join(images, `person${label}`, `${index}.png`), encodePng(pixels, 16, 16, 1));
    }
  }
  const rec = join(work, 'rec');
  await mkdir(rec);
  const folder = await openSource({ type: 'image-folder', root: images });
  await packSource(folder, rec, 'train');
  await folder.close();
  const recBytes = await readFile(join(rec, 'train.rec'));
  for (const [name, bytes] of [
    ['rec-truncated', recBytes.subarray(0, Math.floor(recBytes.length / 2) + 3)],
    ['rec-magic', Buffer.concat([Buffer.alloc(4), recBytes.subarray(4)])],
  ] as const) {
    await mkdir(join(work, name));
    await writeFile(join(work, name, 'train.rec'), bytes);
    for (const file of ['train.idx', 'property'])
      await copyFile(join(rec, file), join(work, name, file));
  }
  await mkdir(join(work, 'rec-bad-idx'));
  await copyFile(join(rec, 'train.rec'), join(work, 'rec-bad-idx', 'train.rec'));
  await copyFile(join(rec, 'property'), join(work, 'rec-bad-idx', 'property'));
  await writeFile(join(work, 'rec-bad-idx', 'train.idx'), '0\t0\n1\t999999999\n');
  await writeFile(join(work, 'not-a-rec.rec'), 'hello\n');

  // A folder with one image that does not decode, and one with no images.
  const broken = join(work, 'images-broken');
  await mkdir(join(broken, 'a'), { recursive: true });
  await copyFile(join(images, 'person0', '0.png'), join(broken, 'a', '0.png'));
  await writeFile(join(broken, 'a', '1.jpg'), 'not a jpeg at all');
  await mkdir(join(work, 'images-none', 'a'), { recursive: true });
  await writeFile(join(work, 'images-none', 'a', 'notes.txt'), 'no images here\n');

  // Verification sets: pickles of (images, booleans) with 3 images for 2 pairs, and with images
  // that are no images; an identity list naming someone absent.
  const verification = new URL('../fixtures/verification/', import.meta.url);
  for (const name of ['short.bin', 'labels-400.bin'])
    await copyFile(new URL(name, verification), join(work, name));
  await writeFile(join(work, 'people-absent.txt'), '2\nperson0\t20\nNobody_Here\t3\n');

  // A finished training run, and its checkpoint as a model.
  const run = await runBct(
    'train',
    '--config',
    join(work, 'good.json'),
    '--out',
    join(work, 'run'),
    '--backend',
    'cpu',
  );
  if (run.code !== 0) throw new Error(`fixture training failed: ${run.stderr}`);
  await mkdir(join(work, 'model-empty'));
  await writeFile(
    join(work, 'external-bad.json'),
    '{"type": "graph", "url": "missing/model.json"}\n',
  );
}
