import { readFile } from 'node:fs/promises';
import { extractFeatures, writeFeatures } from '@bctkit/backbones';
import { createDataLoader, openSource } from '@bctkit/datasets';
import { classPrototypes, denoiseCredible } from '@bctkit/losses';
import { InvalidConfigError, parseConfig, writeNpy } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { activateBackend } from '../backend.js';
import { ExitRequest } from '../exit-request.js';
import type { CliIo } from '../io.js';
import { loadFeatureExtractor } from '../pipelines/load-extractor.js';
import {
  mergeFeatureShards,
  parseShard,
  shardRange,
  sliceSource,
  writeShardInfo,
} from '../pipelines/shards.js';
import { scenarioConfig } from '../presets/scenarios.js';
import { createProgress } from '../progress.js';
import { readTrainConfig, train } from '../training/train.js';
import { trainConfigSchema } from '../training/train-config.js';

/** Applies `--set a.b=value` overrides (values parsed as JSON when they are JSON). */
export function applyOverrides(config: unknown, overrides: readonly string[]): unknown {
  const result = structuredClone(config ?? {}) as Record<string, unknown>;
  for (const override of overrides) {
    const equals = override.indexOf('=');
    if (equals <= 0) throw new InvalidConfigError('--set', `expected key=value, got '${override}'`);
    const path = override.slice(0, equals).split('.');
    const text = override.slice(equals + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // a plain string
    }
    let target = result;
    for (const key of path.slice(0, -1)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path.at(-1)!] = value;
  }
  return result;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Reads a JSON value given inline or as a file path. */
async function jsonArgument(flag: string, value: string): Promise<Record<string, unknown>> {
  const text = value.trim().startsWith('{') ? value : await readFile(value, 'utf8');
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new InvalidConfigError(
      flag,
      `expected a JSON object or a JSON file: ${(cause as Error).message}`,
    );
  }
}

async function readLabels(path: string): Promise<Int32Array> {
  const text = await readFile(path, 'utf8');
  return Int32Array.from(text.trim().split('\n'), (line, index) => {
    const label = Number(line);
    if (!Number.isInteger(label))
      throw new InvalidConfigError(path, `line ${index + 1} is not a label: '${line}'`);
    return label;
  });
}

/** Registers `bct train`, `bct extract`, `bct denoise` and `bct prototypes`. */
export function registerTrainingCommands(program: Command, io: CliIo): void {
  program
    .command('train')
    .description('train a model (old or new) from a config file, with checkpoints and --resume')
    .option('--config <file>', 'training config, JSON or YAML (or use --preset)')
    .option(
      '--preset <scenario>',
      'a MixBCT scenario with the paper settings: extended-class, extended-data, open-class, open-data',
    )
    .option('--stage <stage>', 'with --preset: old or new', 'new')
    .option('--method <id>', 'with --preset: compatibility method of the new model', 'mixbct')
    .option('--old-head <head>', 'with --preset: arcface or softmax', 'arcface')
    .option(
      '--root <dir>',
      'with --preset: the MS1MV3 directory (train.rec and its splits)',
      'ms1mv3',
    )
    .option(
      '--set <key=value>',
      'override a config value, e.g. --set epochs=2 (repeatable)',
      collect,
      [],
    )
    .requiredOption('--out <dir>', 'run directory: checkpoint/ and train.jsonl')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--backend <name>', 'tfjs backend (default auto)', 'auto')
    .action(
      async (options: {
        config?: string;
        preset?: string;
        stage: string;
        method: string;
        oldHead: string;
        root: string;
        set: string[];
        out: string;
        resume?: boolean;
        backend: string;
      }) => {
        if ((options.config === undefined) === (options.preset === undefined)) {
          throw new InvalidConfigError(
            '--config',
            'give a config file (--config) or a scenario (--preset), not both',
          );
        }
        const base =
          options.preset === undefined
            ? await readTrainConfig(options.config!)
            : scenarioConfig({
                type: options.preset,
                stage: options.stage as 'old' | 'new',
                method: options.method,
                oldHead: options.oldHead as 'arcface' | 'softmax',
                root: options.root,
              });
        const raw = applyOverrides(base, options.set);
        const resolved = parseConfig(trainConfigSchema, raw, 'config');
        io.stdout(`${JSON.stringify(resolved, null, 2)}\n`);
        await activateBackend(io, options.backend);
        let lastPrint = 0;
        const start = Date.now();
        // Ctrl-C: finish the step under way, write a checkpoint, stop (a second one kills).
        const stop = new AbortController();
        const onInterrupt = () => {
          io.stderr('train: interrupted; finishing this step and writing a checkpoint...\n');
          stop.abort();
        };
        process.once('SIGINT', onInterrupt);
        let result: Awaited<ReturnType<typeof train>>;
        try {
          result = await train(resolved, {
            out: options.out,
            resume: options.resume ?? false,
            signal: stop.signal,
            onStep: (report) => {
              if (Date.now() - lastPrint < 1000 && report.step !== report.totalSteps) return;
              lastPrint = Date.now();
              const elapsed = (Date.now() - start) / 1000;
              const eta = ((report.totalSteps - report.step) * elapsed) / Math.max(1, report.step);
              io.stderr(
                `train: step ${report.step}/${report.totalSteps} (epoch ${report.epoch + 1}), loss ${report.loss.toFixed(4)}, lr ${report.learningRate.toPrecision(3)}, ${report.imagesPerSecond.toFixed(1)} img/s, ETA ${Math.ceil(eta)}s\n`,
              );
            },
          });
        } finally {
          process.removeListener('SIGINT', onInterrupt);
        }
        io.stdout(
          `trained ${result.steps} steps, last loss ${result.lastLoss.toFixed(4)}; checkpoint: ${options.out}/checkpoint\n`,
        );
        result.backbone.dispose();
        result.head.dispose();
        if (result.interrupted) {
          io.stderr(`train: stopped at step ${result.steps}; continue with --resume\n`);
          throw new ExitRequest(130);
        }
      },
    );

  program
    .command('extract')
    .description('features of a model over a dataset, in file order, as .npy plus labels')
    .requiredOption('--model <path>', 'checkpoint directory, or an external model config .json')
    .requiredOption('--data <json>', 'dataset source config, inline JSON or a JSON file')
    .requiredOption('--out <npy>', 'features file; labels go to <name>.labels.txt')
    .option('--flip', 'flip-test: add the embedding of the mirror image')
    .option('--shard <i/N>', 'extract only shard i of N (contiguous rows); merge with bct merge')
    .option('--batch-size <n>', 'images per batch (default 128)', (value) => Number(value), 128)
    .option('--backend <name>', 'tfjs backend (default auto)', 'auto')
    .action(
      async (options: {
        model: string;
        data: string;
        out: string;
        flip?: boolean;
        shard?: string;
        batchSize: number;
        backend: string;
      }) => {
        const shard = options.shard === undefined ? undefined : parseShard(options.shard);
        await activateBackend(io, options.backend, 'inference');
        const whole = await openSource(
          (await jsonArgument('--data', options.data)) as { type: string },
          '--data',
        );
        const range =
          shard === undefined ? undefined : shardRange(whole.size, shard.shard, shard.of);
        const source = range === undefined ? whole : sliceSource(whole, range.start, range.end);
        const extractor = await loadFeatureExtractor(options.model);
        const [height, width, channels] = extractor.inputShape;
        if (source.size === 0)
          throw new InvalidConfigError('--data', 'the dataset (or shard) is empty');
        const loader = await createDataLoader(source, {
          batchSize: options.batchSize,
          shuffle: false,
          channels,
        });
        if (loader.imageShape[0] !== height || loader.imageShape[1] !== width)
          throw new InvalidConfigError(
            '--data',
            `images are ${loader.imageShape[0]}x${loader.imageShape[1]}, the model takes ${height}x${width}`,
          );
        const progress = createProgress(io, 'extract', 'images');
        try {
          const features = await extractFeatures(extractor, loader.batches(0), {
            flip: options.flip ?? false,
            total: source.size,
            onProgress: (done) => progress.update(done, source.size),
          });
          progress.finish();
          const labels = await writeFeatures(options.out, features);
          if (shard !== undefined && range !== undefined)
            await writeShardInfo(options.out, { ...shard, ...range, total: whole.size });
          io.stdout(
            `${features.count} x ${features.dim} features: ${options.out}, labels: ${labels}\n`,
          );
        } finally {
          extractor.dispose();
          await loader.close();
          await source.close();
        }
      },
    );

  program
    .command('merge')
    .description('merge the .npy shards of a sharded bct extract into one features file')
    .argument('<shards...>', 'shard feature files, each with its .shard.json and .labels.txt')
    .requiredOption('--out <npy>', 'merged features; labels go to <name>.labels.txt')
    .action(async (shards: string[], options: { out: string }) => {
      const { rows, cols } = await mergeFeatureShards(shards, options.out);
      io.stdout(`${rows} x ${cols} features from ${shards.length} shards: ${options.out}\n`);
    });

  program
    .command('denoise')
    .description(
      "MixBCT's credible-feature denoising: keep each class's ceil(T n) features closest to its mean",
    )
    .requiredOption('--features <npy>', 'old-model features of the training set, [N, d]')
    .requiredOption(
      '--labels <txt>',
      'one label per line (bct extract writes it), classes contiguous',
    )
    .requiredOption('--out <npy>', 'credible flags, [N] float32 0/1')
    .option('--ratio <T>', 'keep ratio (default 0.9)', (value) => Number(value), 0.9)
    .action(async (options: { features: string; labels: string; out: string; ratio: number }) => {
      const labels = await readLabels(options.labels);
      const progress = createProgress(io, 'denoise', 'rows');
      const result = await denoiseCredible(options.features, labels, {
        ratio: options.ratio,
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      await writeNpy(
        options.out,
        { data: Float32Array.from(result.credible), rows: labels.length, cols: 1 },
        [labels.length],
      );
      io.stdout(`kept ${result.kept}, dropped ${result.dropped}: ${options.out}\n`);
    });

  program
    .command('prototypes')
    .description('BCT / UniBCT class prototypes: normalised class means of old features')
    .requiredOption('--features <npy>', 'old-model features of the training set, [N, d]')
    .requiredOption('--labels <txt>', 'one label per line')
    .requiredOption('--out <npy>', 'prototypes, [classes, d]')
    .action(async (options: { features: string; labels: string; out: string }) => {
      const labels = await readLabels(options.labels);
      const prototypes = await classPrototypes(options.features, labels);
      await writeNpy(options.out, prototypes);
      io.stdout(`${prototypes.rows} x ${prototypes.cols} prototypes: ${options.out}\n`);
    });
}
