// `pnpm bench adapters [--seed 1] [--lfw ../shared/data/faces/lfw] [--cache <dir>] [--results <dir>]`
// A real old model of another width upgraded through adapters, beside compatibility training:
// MobileFaceNet (192-d, models/mobilefacenet/repaired.json) is the old model; new models
// (iResNet-18, 56x56) learn LFW's peopleDevTrain (>= 4 photos): one 512-d without constraint,
// crossed with the old gallery through each adapter fitted on the training photos, and 192-d ones
// trained with L2 and MixBCT against the old features. Evaluated like `pnpm bench faces`: LFW's
// pairsDevTest and 1:N leave-one-out on peopleDevTest (>= 4 photos), self / cross / old.
// Every step runs the documented `bct` commands (the pair features through the library) and is
// cached under --cache: a killed run continues where it stopped.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { bct, once, option, writeAtomic } from './arguments.mjs';

const root = join(import.meta.dirname, '..', '..');

const METHODS = ['procrustes', 'affine', 'affine-64', 'mlp', 'fct'];

export async function run(args) {
  const seed = Number(option(args, 'seed', '1'));
  const lfw = resolve(option(args, 'lfw', join(root, '..', 'shared', 'data', 'faces', 'lfw')));
  const cache = resolve(option(args, 'cache', join(root, 'benchmarks', 'cache', 'faces-adapters')));
  const resultsDirectory = resolve(option(args, 'results', join(root, 'benchmarks', 'results')));
  if (!existsSync(join(lfw, 'images_aligned_112x112.tar'))) {
    console.error(`bench adapters: ${lfw} has no images_aligned_112x112.tar`);
    process.exit(1);
  }
  const started = Date.now();
  const path = (...parts) => join(cache, ...parts);
  mkdirSync(path('features'), { recursive: true });
  mkdirSync(path('adapters'), { recursive: true });
  const images = path('lfw-images');
  once(join(images, 'done'), () => {
    mkdirSync(images, { recursive: true });
    execFileSync('tar', ['xf', join(lfw, 'images_aligned_112x112.tar'), '-C', images]);
    writeFileSync(join(images, 'done'), '');
  });
  const folder = join(images, 'images');
  const oldModel = join(root, 'models', 'mobilefacenet', 'repaired.json');
  const seconds = {};

  // Data: the training and test people at 56x56 (new models) and 112x112 (MobileFaceNet), in
  // the same order, so that rows of both models' features are the same photos.
  for (const [name, people] of [
    ['train', 'peopleDevTrain.txt'],
    ['test', 'peopleDevTest.txt'],
  ])
    for (const size of [56, 112])
      once(path('data', `${name}${size}`, 'train.rec'), () =>
        bct(
          'data',
          'pack',
          folder,
          '--identities',
          join(lfw, people),
          '--min-images',
          '4',
          '--skip-missing',
          ...(size === 112 ? [] : ['--size', String(size)]),
          '--out',
          path('data', `${name}${size}`, 'train'),
        ),
      );

  // The old model's features (flip-test), of the training photos (adapters, L2, MixBCT) and the
  // test photos (1:N gallery).
  for (const name of ['train', 'test'])
    seconds[`old-${name}`] = once(path('features', `old-${name}.npy`), () =>
      bct(
        'extract',
        '--model',
        oldModel,
        '--data',
        path('data', `${name}112`, 'train.rec'),
        '--flip',
        '--out',
        path('features', `old-${name}.npy`),
      ),
    );
  once(path('features', 'credible.npy'), () =>
    bct(
      'denoise',
      '--features',
      path('features', 'old-train.npy'),
      '--labels',
      path('features', 'old-train.labels.txt'),
      '--out',
      path('features', 'credible.npy'),
    ),
  );

  // New models: 512-d unconstrained; 192-d with L2 and MixBCT against MobileFaceNet.
  const base = (dim) => [
    `data: { type: rec, path: ${path('data', 'train56', 'train.rec')} }`,
    `backbone: { type: iresnet-18, inputSize: 56, widthMultiplier: 0.125, embeddingDim: ${dim} }`,
    'head: { type: arcface, scale: 32, margin: 0.3 }',
    'batchSize: 64',
    'epochs: 10',
    `seed: ${seed}`,
  ];
  const models = {
    'none-512': base(512),
    'l2-192': [
      ...base(192),
      'loss: { type: l2 }',
      `oldFeatures: ${path('features', 'old-train.npy')}`,
    ],
    'mixbct-192': [
      ...base(192),
      'loss: { type: mixbct, ratio: 0.3 }',
      `oldFeatures: ${path('features', 'old-train.npy')}`,
      `credible: ${path('features', 'credible.npy')}`,
    ],
  };
  for (const [name, lines] of Object.entries(models)) {
    const run = path('runs', `${name}-seed${seed}`);
    seconds[`train ${name}`] = once(join(run, 'done'), () => {
      mkdirSync(path('runs'), { recursive: true });
      writeFileSync(path('runs', `${name}-seed${seed}.yaml`), `${lines.join('\n')}\n`);
      const resume = existsSync(join(run, 'checkpoint')) ? ['--resume'] : ['--force'];
      bct('train', '--config', path('runs', `${name}-seed${seed}.yaml`), '--out', run, ...resume);
      writeFileSync(join(run, 'done'), '');
    });
    for (const set of ['train', 'test'])
      once(path('features', `${name}-seed${seed}-${set}.npy`), () =>
        bct(
          'extract',
          '--model',
          join(run, 'checkpoint'),
          '--data',
          path('data', `${set}56`, 'train.rec'),
          '--flip',
          '--out',
          path('features', `${name}-seed${seed}-${set}.npy`),
        ),
      );
  }

  // Pair features (pairsDevTest, in pair order, flip-test) through the library.
  const cli = await import(join(root, 'packages', 'cli', 'dist', 'index.js'));
  const tensorOps = await import(join(root, 'packages', 'tensor-ops', 'dist', 'index.js'));
  const io = { stdout: () => {}, stderr: (text) => process.stderr.write(text) };
  const pairs = await cli.openListPairSet(join(lfw, 'pairsDevTest.txt'), folder, {
    skipMissing: true,
  });
  const pairFeatures = async (model, file) => {
    if (existsSync(file)) return;
    await cli.activateBackend(io, 'auto', 'inference');
    const extractor = await cli.loadFeatureExtractor(model);
    try {
      const features = await cli.embedImages(
        extractor,
        cli.encodedImageSource('pairs', pairs.images),
        {
          batchSize: 64,
          flip: true,
        },
      );
      await tensorOps.writeNpy(file, features);
    } finally {
      extractor.dispose();
    }
  };
  await pairFeatures(oldModel, path('features', 'old-pairs.npy'));
  for (const name of Object.keys(models))
    await pairFeatures(
      path('runs', `${name}-seed${seed}`, 'checkpoint'),
      path('features', `${name}-seed${seed}-pairs.npy`),
    );

  // Adapters on the training photos: new (512-d) -> old (192-d) on the query side; FCT maps the
  // old gallery into the new space.
  const fresh = (set) => path('features', `none-512-seed${seed}-${set}.npy`);
  const old = (set) => path('features', `old-${set}.npy`);
  const adapterFile = (method) => path('adapters', `${method}-seed${seed}.json`);
  for (const method of METHODS)
    seconds[`fit ${method}`] = once(adapterFile(method), () => {
      const [id, ...extra] =
        method === 'affine-64' ? ['affine', '--rank', '64'] : method === 'fct' ? ['fct'] : [method];
      const [from, to] =
        id === 'fct' ? [old('train'), fresh('train')] : [fresh('train'), old('train')];
      bct(
        'adapt',
        'fit',
        '--from',
        from,
        '--to',
        to,
        '--method',
        id,
        ...(id === 'mlp' || id === 'fct' ? ['--seed', String(seed)] : []),
        ...extra,
        '--out',
        adapterFile(method),
      );
    });

  // Evaluation.
  const evaluate = (freshName, adapter) => {
    const pairsRun = JSON.parse(
      bct(
        'eval',
        'verification',
        '--pairs',
        join(lfw, 'pairsDevTest.txt'),
        '--images',
        folder,
        '--skip-missing',
        '--features',
        path('features', `${freshName}-pairs.npy`),
        '--old-features',
        path('features', 'old-pairs.npy'),
        '--thresholds',
        'fine',
        '--json',
        ...(adapter === undefined ? [] : ['--adapter', adapter]),
      ),
    );
    const retrieval = JSON.parse(
      bct(
        'eval',
        'retrieval',
        '--features',
        path('features', `${freshName}-test.npy`),
        '--old-features',
        old('test'),
        '--labels',
        path('features', `${freshName}-test.labels.txt`),
        '--json',
        ...(adapter === undefined ? [] : ['--adapter', adapter]),
      ),
    );
    const figures = (test) => ({
      accuracy: pairsRun.tests[test]?.accuracy,
      auc: pairsRun.tests[test]?.auc,
      tar1e2: pairsRun.tests[test]?.tar['1e-2'],
      top1: retrieval.tests[test]?.top['1'],
      top5: retrieval.tests[test]?.top['5'],
      mapAtR: retrieval.tests[test]?.mapAtR,
    });
    return { self: figures('self'), cross: figures('cross'), old: figures('old') };
  };
  const rows = [];
  const none = evaluate(`none-512-seed${seed}`);
  rows.push({ model: 'old (MobileFaceNet, 192-d)', test: 'old / old', ...none.old });
  rows.push({ model: 'new 512-d, no constraint', test: 'self', ...none.self });
  for (const name of ['l2-192', 'mixbct-192']) {
    const result = evaluate(`${name}-seed${seed}`);
    rows.push({ model: `new 192-d, ${name.split('-')[0]}`, test: 'self', ...result.self });
    rows.push({ model: `new 192-d, ${name.split('-')[0]}`, test: 'cross', ...result.cross });
  }
  for (const method of METHODS) {
    const result = evaluate(`none-512-seed${seed}`, adapterFile(method));
    const adapter = JSON.parse(readFileSync(adapterFile(method), 'utf8'));
    rows.push({
      model: `new 512-d + ${method} adapter (${adapter.role === 'query' ? 'queries to old' : 'old gallery to new'})`,
      test: 'cross',
      ...result.cross,
    });
  }
  const pct = (value) => (value === undefined ? '' : (100 * value).toFixed(2));
  const table = [
    '| model | test | LFW pairs acc. | AUC | TAR@1e-2 | 1:N top-1 | top-5 | mAP@R |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.model} | ${row.test} | ${pct(row.accuracy)} | ${pct(row.auc)} | ${pct(row.tar1e2)} | ${pct(row.top1)} | ${pct(row.top5)} | ${pct(row.mapAtR)} |`,
    ),
  ].join('\n');
  // Partial backfill of the test gallery: the 192-d models against MobileFaceNet's gallery, and
  // the 512-d model against the gallery FCT mapped into its space.
  once(old('test-fct'), () =>
    bct(
      'adapt',
      'apply',
      '--adapter',
      adapterFile('fct'),
      '--features',
      old('test'),
      '--out',
      old('test-fct'),
    ),
  );
  const backfills = [
    ['new 192-d, l2', `l2-192-seed${seed}`, old('test')],
    ['new 192-d, mixbct', `mixbct-192-seed${seed}`, old('test')],
    ['new 512-d, old gallery mapped by fct', `none-512-seed${seed}`, old('test-fct')],
  ].map(([model, freshName, gallery]) => ({
    model,
    curves: JSON.parse(
      bct(
        'eval',
        'backfill',
        '--features',
        path('features', `${freshName}-test.npy`),
        '--old-features',
        gallery,
        '--labels',
        path('features', `${freshName}-test.labels.txt`),
        '--seed',
        String(seed),
        '--json',
      ),
    ),
  }));
  const at = (curve, fraction) =>
    curve.points.find((point) => Math.abs(point.fraction - fraction) < 1e-9);
  const backfillTable = [
    '| model | policy | 0% | 10% | 20% | 50% | 100% | area |',
    '|---|---|---|---|---|---|---|---|',
    ...backfills.flatMap(({ model, curves }) =>
      curves.map(
        (curve) =>
          `| ${model} | ${curve.policy} | ${[0, 0.1, 0.2, 0.5, 1].map((f) => pct(at(curve, f).top1)).join(' | ')} | ${pct(curve.areaTop1)} |`,
      ),
    ),
  ].join('\n');
  const total = (Date.now() - started) / 1000;
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}`;
  mkdirSync(resultsDirectory, { recursive: true });
  const base64 = join(resultsDirectory, `faces-adapters-seed${seed}`);
  writeAtomic(
    `${base64}.json`,
    `${JSON.stringify({ seed, machine, secondsThisInvocation: total, seconds, rows, backfills }, null, 2)}\n`,
  );
  writeAtomic(
    `${base64}.md`,
    `# MobileFaceNet (192-d) upgraded on LFW: adapters and compatibility training\n\nSeed ${seed}; ${machine}; this invocation ${(total / 60).toFixed(1)} min. Percent.\n\n${table}\n\n## Partial backfill of the 1:N gallery (top-1)\n\n${backfillTable}\n`,
  );
  console.log(table);
  console.log(`\n${backfillTable}`);
  console.log(`\nwrote ${base64}.{json,md}`);
}
