import {
  type ExtractedFeatures,
  extractFeatures,
  type FeatureExtractor,
  writeFeatures,
} from '@bctkit/backbones';
import { createDataLoader, type DatasetSource, openSource } from '@bctkit/datasets';
import { classPrototypes, denoiseCredible } from '@bctkit/losses';
import { InvalidConfigError, readFileOrFail, writeNpy } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { activateInferenceBackend, BACKEND_OPTION_HELP } from '../backend.js';
import { describeConversion } from '../image-conversion.js';
import type { CliIo } from '../io.js';
import { positiveInteger, unitInterval } from '../option-parsers.js';
import { claimOutputs } from '../outputs.js';
import { loadFeatureExtractor } from '../pipelines/load-extractor.js';
import {
  computeKind,
  labelsPath,
  mergeShards,
  parseShard,
  shardRange,
  sliceSource,
  writeShardInfo,
} from '../pipelines/shards.js';
import { createProgress } from '../progress.js';
import { dataArgument } from './data-argument.js';

/** Reads a labels file: one whole number >= 0 per line. */
async function readLabels(path: string): Promise<Int32Array> {
  const text = (await readFileOrFail(path, 'the labels')).toString('utf8');
  const lines = text.trim() === '' ? [] : text.trim().split('\n');
  return Int32Array.from(lines, (line, index) => {
    const label = Number(line);
    if (!(line.trim() !== '' && Number.isInteger(label) && label >= 0 && label < 2 ** 31))
      throw new InvalidConfigError(
        path,
        `line ${index + 1} is not a label (a whole number >= 0): '${line}'`,
      );
    return label;
  });
}

function noFeatures(dim: number): ExtractedFeatures {
  const none = new Int32Array(0);
  return { features: new Float32Array(0), count: 0, dim, labels: none, indices: none };
}

/** Every image of `source`, in file order, with progress on stderr. */
async function extractAll(
  extractor: FeatureExtractor,
  source: DatasetSource,
  options: { batchSize: number; flip?: boolean },
  io: CliIo,
): Promise<ExtractedFeatures> {
  const [height, width, channels] = extractor.inputShape;
  // Images of another size or colour are converted to the model's input, and the user told.
  const loader = await createDataLoader(source, {
    batchSize: options.batchSize,
    shuffle: false,
    channels,
    size: [height, width],
  });
  try {
    const conversion = describeConversion(loader.sourceShape, extractor.inputShape);
    if (conversion !== undefined) io.stderr(`extract: ${conversion}\n`);
    const progress = createProgress(io, 'extract', 'images');
    const features = await extractFeatures(extractor, loader.batches(0), {
      flip: options.flip ?? false,
      total: source.size,
      onProgress: (done) => progress.update(done, source.size),
    });
    progress.finish();
    return features;
  } finally {
    await loader.close();
  }
}

/** Registers `bct extract`, `bct merge`, `bct denoise` and `bct prototypes`. */
export function registerFeatureCommands(program: Command, io: CliIo): void {
  program
    .command('extract')
    .description('features of a model over a dataset, in file order, as .npy plus labels')
    .requiredOption('--model <path>', 'checkpoint directory, or an external model config .json')
    .requiredOption(
      '--data <source>',
      'a .rec file, a folder of identity folders, or a dataset source config (inline JSON or a JSON file)',
    )
    .requiredOption('--out <npy>', 'features file; labels go to <name>.labels.txt')
    .option('--flip', 'flip-test: add the embedding of the mirror image')
    .option(
      '--shard <i/N>',
      'extract only shard i of N (contiguous rows, whole batches); merge with bct merge',
    )
    .option('--batch-size <n>', 'images per batch', positiveInteger(), 128)
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option('--force', 'replace existing outputs')
    .action(
      async (options: {
        model: string;
        data: string;
        out: string;
        flip?: boolean;
        shard?: string;
        batchSize: number;
        backend: string;
        force?: boolean;
      }) => {
        const shard = options.shard === undefined ? undefined : parseShard(options.shard);
        await claimOutputs(
          [
            options.out,
            labelsPath(options.out),
            ...(shard === undefined ? [] : [`${options.out}.shard.json`]),
          ],
          { force: options.force ?? false },
        );
        await activateInferenceBackend(io, options.backend, [options.model]);
        const whole = await openSource(await dataArgument('--data', options.data), '--data');
        // Whole batches per shard: the merged shards then equal one run bit for bit.
        const range =
          shard === undefined
            ? undefined
            : shardRange(whole.size, shard.shard, shard.of, options.batchSize);
        const source = range === undefined ? whole : sliceSource(whole, range.start, range.end);
        const extractor = await loadFeatureExtractor(options.model);
        let features: ExtractedFeatures;
        try {
          if (whole.size === 0) throw new InvalidConfigError('--data', 'the dataset has no images');
          // More shards than batches leaves some empty: they still write a (0-row) file.
          features =
            source.size === 0
              ? noFeatures(extractor.embeddingDim)
              : await extractAll(extractor, source, options, io);
        } finally {
          extractor.dispose();
          await source.close();
        }
        const labels = await writeFeatures(options.out, features);
        if (shard !== undefined && range !== undefined)
          await writeShardInfo(options.out, {
            stage: 'extract',
            ...shard,
            ...range,
            total: whole.size,
            compute: computeKind(),
          });
        const empty = shard !== undefined && features.count === 0;
        io.stdout(
          `${features.count} x ${features.dim} features${empty ? ` (shard ${shard.shard}/${shard.of} is empty)` : ''}: ${options.out}, labels: ${labels}\n`,
        );
      },
    );

  program
    .command('merge')
    .description(
      'merge the shards of a sharded bct extract, eval ijbc-embed or denoise into one .npy',
    )
    .argument('<shards...>', 'shard files, each with its .shard.json (and .labels.txt, if any)')
    .requiredOption('--out <npy>', 'merged file; labels (if any) go to <name>.labels.txt')
    .option('--force', 'replace existing outputs')
    .action(async (shards: string[], options: { out: string; force?: boolean }) => {
      await claimOutputs([options.out, labelsPath(options.out)], {
        force: options.force ?? false,
      });
      const { rows, cols, stage, warnings } = await mergeShards(shards, options.out);
      for (const warning of warnings) io.stderr(`merge: warning: ${warning}\n`);
      io.stdout(`${rows} x ${cols} ${stage} rows from ${shards.length} shards: ${options.out}\n`);
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
    .requiredOption(
      '--out <npy>',
      'credible flags, [N] float32 0/1 ([rows of the shard] with --shard)',
    )
    .option('--ratio <T>', 'keep ratio', unitInterval(), 0.9)
    .option(
      '--shard <i/N>',
      'decide only the classes of shard i of N (whole classes); merge with bct merge',
    )
    .option('--force', 'replace existing outputs')
    .action(
      async (options: {
        features: string;
        labels: string;
        out: string;
        ratio: number;
        shard?: string;
        force?: boolean;
      }) => {
        const shard = options.shard === undefined ? undefined : parseShard(options.shard);
        await claimOutputs(
          [options.out, ...(shard === undefined ? [] : [`${options.out}.shard.json`])],
          { force: options.force ?? false },
        );
        const labels = await readLabels(options.labels);
        // Two passes over the features: column norms, then one class at a time.
        const progress = createProgress(io, 'denoise (2 passes)', 'row reads');
        const result = await denoiseCredible(options.features, labels, {
          ratio: options.ratio,
          labelsSource: options.labels,
          onProgress: (done, total) => progress.update(done, total),
          ...(shard === undefined ? {} : { shard: { index: shard.shard, of: shard.of } }),
        });
        progress.finish();
        const { start, end } = result.range;
        const flags = Float32Array.from(result.credible.subarray(start, end));
        await writeNpy(options.out, { data: flags, rows: end - start, cols: 1 }, [end - start]);
        if (shard !== undefined)
          await writeShardInfo(options.out, {
            stage: 'denoise',
            ...shard,
            start,
            end,
            total: labels.length,
          });
        io.stdout(`kept ${result.kept}, dropped ${result.dropped}: ${options.out}\n`);
      },
    );

  program
    .command('prototypes')
    .description('BCT / UniBCT class prototypes: normalised class means of old features')
    .requiredOption('--features <npy>', 'old-model features of the training set, [N, d]')
    .requiredOption('--labels <txt>', 'one label per line')
    .requiredOption('--out <npy>', 'prototypes, [classes, d]')
    .option('--force', 'replace existing outputs')
    .action(async (options: { features: string; labels: string; out: string; force?: boolean }) => {
      await claimOutputs([options.out], { force: options.force ?? false });
      const labels = await readLabels(options.labels);
      const prototypes = await classPrototypes(options.features, labels);
      await writeNpy(options.out, prototypes);
      io.stdout(`${prototypes.rows} x ${prototypes.cols} prototypes: ${options.out}\n`);
    });
}
