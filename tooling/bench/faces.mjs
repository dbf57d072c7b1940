// `pnpm bench faces [--preset lfw-extended-class] [--seeds 1,2,3] [--methods none,mixbct,...]
//   [--adapters affine,fct,...] [--lfw ../shared/data/faces/lfw] [--cache <dir>] [--results <dir>]`
// The real-face methods table: every compatibility method on LFW, several seeds, self / cross /
// old on held-out identities. Each (seed, method) is cached under --cache, so a killed run
// continues where it stopped; the table goes to benchmarks/results/<preset>.{json,md,svg}.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { option, writeAtomic } from './arguments.mjs';

const root = join(import.meta.dirname, '..', '..');

const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
const std = (values) => {
  const m = mean(values);
  return Math.sqrt(mean(values.map((value) => (value - m) ** 2)));
};

/** Mean and std (population, over seeds) of each figure, per method and test. */
export function aggregate(results) {
  const groups = new Map();
  for (const result of results) {
    for (const [test, figures] of Object.entries(result.tests)) {
      const key = `${result.method}|${test}`;
      if (!groups.has(key)) groups.set(key, { method: result.method, test, runs: [] });
      groups.get(key).runs.push({ ...figures, seed: result.seed, seconds: result.trainSeconds });
    }
  }
  return [...groups.values()].map(({ method, test, runs }) => {
    const figure = (pick) => {
      const values = runs.map(pick);
      return { mean: mean(values), std: std(values) };
    };
    return {
      method,
      test,
      seeds: runs.map((run) => run.seed),
      accuracy: figure((run) => run.accuracy),
      tar1e2: figure((run) => run.tar['1e-2']),
      auc: figure((run) => run.auc),
      top1: figure((run) => run.top1),
      top5: figure((run) => run.top5),
      mapAtR: figure((run) => run.mapAtR),
      trainSeconds: figure((run) => run.seconds),
    };
  });
}

const pct = ({ mean: m, std: s }) => `${(100 * m).toFixed(2)} ± ${(100 * s).toFixed(2)}`;

function markdownTable(rows) {
  const header = [
    'method',
    'test',
    'LFW pairs acc.',
    'TAR@1e-2',
    '1:N top-1',
    '1:N top-5',
    'mAP@R',
    'train s',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    lines.push(
      `| ${row.method} | ${row.test} | ${pct(row.accuracy)} | ${pct(row.tar1e2)} | ${pct(row.top1)} | ${pct(row.top5)} | ${pct(row.mapAtR)} | ${row.trainSeconds.mean.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

function plotSpec(rows, title) {
  const old = rows.find((row) => row.test === 'old');
  const values = [];
  for (const row of rows) {
    if (row.test === 'old') continue;
    values.push({
      method: row.method,
      test: row.test,
      metric: 'LFW pairs accuracy',
      value: row.accuracy.mean,
    });
    values.push({ method: row.method, test: row.test, metric: '1:N top-1', value: row.top1.mean });
  }
  const rules = old
    ? [
        { metric: 'LFW pairs accuracy', value: old.accuracy.mean },
        { metric: '1:N top-1', value: old.top1.mean },
      ]
    : [];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: {
      values: [...values, ...rules.map((rule) => ({ ...rule, test: 'old / old', method: null }))],
    },
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 320,
      height: 240,
      layer: [
        {
          transform: [{ filter: 'datum.method !== null' }],
          mark: 'bar',
          encoding: {
            x: { field: 'method', type: 'nominal', title: null, sort: null },
            xOffset: { field: 'test' },
            y: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } },
            color: { field: 'test', type: 'nominal', title: null, legend: { orient: 'bottom' } },
          },
        },
        {
          transform: [{ filter: 'datum.method === null' }],
          mark: { type: 'rule', strokeDash: [4, 3], color: 'black' },
          encoding: { y: { field: 'value', type: 'quantitative' } },
        },
      ],
    },
  };
}

export async function run(args) {
  const cli = await import(join(root, 'packages', 'cli', 'dist', 'index.js'));
  const metrics = await import(join(root, 'packages', 'metrics', 'dist', 'index.js'));
  const presetId = option(args, 'preset', 'lfw-extended-class');
  const preset = cli.facePresets.get(presetId);
  const seeds = option(args, 'seeds', '1,2,3').split(',').map(Number);
  const methods = option(
    args,
    'methods',
    (preset.methods ?? cli.FACE_BENCHMARK_METHODS).join(','),
  ).split(',');
  const adapterList = option(args, 'adapters', (preset.adapters ?? []).join(','));
  const adapters = adapterList === '' ? [] : adapterList.split(',');
  const lfw = resolve(option(args, 'lfw', join(root, '..', 'shared', 'data', 'faces', 'lfw')));
  const cache = resolve(option(args, 'cache', join(root, 'benchmarks', 'cache', preset.id)));
  const resultsDirectory = resolve(option(args, 'results', join(root, 'benchmarks', 'results')));
  if (!existsSync(join(lfw, 'images_aligned_112x112.tar'))) {
    console.error(
      `bench faces: ${lfw} has no images_aligned_112x112.tar (see ../shared/data/faces/README.md)`,
    );
    process.exit(1);
  }
  mkdirSync(cache, { recursive: true });
  const images = join(cache, 'lfw-images');
  if (!existsSync(join(images, 'done'))) {
    console.error('extracting the aligned LFW crops...');
    mkdirSync(images, { recursive: true });
    execFileSync('tar', ['xf', join(lfw, 'images_aligned_112x112.tar'), '-C', images]);
    writeFileSync(join(images, 'done'), '');
  }
  const io = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
  const backend = await cli.activateBackend(io, 'auto');
  const started = Date.now();
  let lastPrint = 0;
  const results = await cli.runFaceBenchmark({
    preset,
    lfw,
    images: join(images, 'images'),
    out: cache,
    seeds,
    methods,
    adapters,
    log: (line) => console.error(line),
    onStep: (stage, report) => {
      if (Date.now() - lastPrint < 15_000 && report.step !== report.totalSteps) return;
      lastPrint = Date.now();
      console.error(
        `  ${stage}: step ${report.step}/${report.totalSteps}, loss ${report.loss.toFixed(3)}, ${report.imagesPerSecond.toFixed(0)} img/s`,
      );
    },
  });
  const seconds = (Date.now() - started) / 1000;
  const rows = aggregate(results);
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}, ${backend.backend} backend`;
  const summary = {
    preset: preset.id,
    description: preset.description,
    settings: preset,
    seeds,
    methods,
    adapters,
    machine,
    secondsThisInvocation: seconds,
    trainSecondsTotal: results.reduce((sum, result) => sum + result.trainSeconds, 0),
    rows,
    runs: results,
  };
  mkdirSync(resultsDirectory, { recursive: true });
  const base = join(resultsDirectory, preset.id);
  writeAtomic(`${base}.json`, `${JSON.stringify(summary, null, 2)}\n`);
  const table = markdownTable(rows);
  writeAtomic(
    `${base}.md`,
    `# ${preset.id}\n\n${preset.description}.\n\nSeeds ${seeds.join(', ')} (mean ± std over seeds); ${machine}. ` +
      `Training time of all runs: ${(summary.trainSecondsTotal / 60).toFixed(1)} min. ` +
      "Cross: new-model query (first pair image / 1:N query) against the old model's embedding (second image / gallery). " +
      "`none+<adapter>`: the unconstrained new model crossed with the old one through an adapter fitted on both models' flip-test features of the support images (the preset's `adapterSupport`, else the training images; no labels used) (new queries mapped to the old space; FCT maps the old gallery to the new space); its train s is the fit.\n\n" +
      `${table}\n`,
  );
  writeAtomic(
    `${base}.svg`,
    await metrics.renderSvg(plotSpec(rows, `${preset.id}: self and cross (dashed: old / old)`)),
  );
  console.log(table);
  console.log(
    `\n${results.length} runs; this invocation ${(seconds / 60).toFixed(1)} min; wrote ${base}.{json,md,svg}`,
  );
}
