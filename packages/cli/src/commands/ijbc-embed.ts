import { join } from 'node:path';
import { readIjbcMeta } from '@bctkit/metrics';
import { writeNpy } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { activateBackend, BACKEND_OPTION_HELP } from '../backend.js';
import type { CliIo } from '../io.js';
import { positiveInteger } from '../option-parsers.js';
import { claimOutputs } from '../outputs.js';
import { embedIjbcImages } from '../pipelines/ijbc-images.js';
import { loadFeatureExtractor } from '../pipelines/load-extractor.js';
import { computeKind, parseShard, shardRange, writeShardInfo } from '../pipelines/shards.js';
import { createProgress } from '../progress.js';

/** Registers `bct eval ijbc-embed` under `bct eval`. */
export function registerIjbcEmbedCommand(evaluate: Command, io: CliIo): void {
  evaluate
    .command('ijbc-embed')
    .description(
      "IJB-C image features of one model (aligned, flip-test), in the landmark file's order, for bct eval ijbc --features",
    )
    .requiredOption('--root <dir>', 'IJB-C directory with loose_crop/ and meta/')
    .requiredOption('--model <path>', 'checkpoint directory, or an external model config .json')
    .requiredOption('--out <npy>', 'features, [images, dim] float32')
    .option('--meta <dir>', 'directory with ijbc_name_5pts_score.txt (default: <root>/meta)')
    .option(
      '--shard <i/N>',
      'embed only shard i of N (contiguous rows, whole batches); merge with bct merge',
    )
    .option('--batch-size <n>', 'images per batch', positiveInteger(), 64)
    .option('--no-flip', 'embed the crop only, without its mirror image')
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option('--force', 'replace existing outputs')
    .action(
      async (options: {
        root: string;
        model: string;
        out: string;
        meta?: string;
        shard?: string;
        batchSize: number;
        flip: boolean;
        backend: string;
        force?: boolean;
      }) => {
        const shard = options.shard === undefined ? undefined : parseShard(options.shard);
        await claimOutputs(
          [options.out, ...(shard === undefined ? [] : [`${options.out}.shard.json`])],
          { force: options.force ?? false },
        );
        await activateBackend(io, options.backend, 'inference');
        const meta = await readIjbcMeta(options.meta ?? join(options.root, 'meta'));
        const total = meta.names.length;
        const range =
          shard === undefined
            ? { start: 0, end: total }
            : shardRange(total, shard.shard, shard.of, options.batchSize);
        const extractor = await loadFeatureExtractor(options.model);
        const progress = createProgress(io, 'IJB-C features', 'images');
        try {
          const features = await embedIjbcImages({
            root: options.root,
            meta,
            extractor,
            batchSize: options.batchSize,
            flip: options.flip,
            ...range,
            onProgress: (done, count) => progress.update(done, count),
          });
          progress.finish();
          await writeNpy(options.out, features);
          if (shard !== undefined)
            await writeShardInfo(options.out, {
              stage: 'ijbc-embed',
              ...shard,
              ...range,
              total,
              compute: computeKind(),
            });
          io.stdout(`${features.rows} x ${features.cols} IJB-C features: ${options.out}\n`);
        } finally {
          extractor.dispose();
        }
      },
    );
}
