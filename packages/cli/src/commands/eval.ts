import { join } from 'node:path';
import {
  buildIjbcReport,
  evaluateIjbcIdentification,
  evaluateIjbcVerification,
  farKey,
  IJBC_FARS,
  IJBC_FPIRS,
  type IjbcIdentificationReport,
  type IjbcVerificationReport,
  readIjbcMeta,
  writeCompatibilityReport,
} from '@bctkit/metrics';
import { type HostMatrix, readNpy, writeNpy } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { activateBackend, BACKEND_OPTION_HELP } from '../backend.js';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import { positiveInteger } from '../option-parsers.js';
import { claimOutputs, writeDirectoryAtomic } from '../outputs.js';
import { embedIjbcImages } from '../pipelines/ijbc-images.js';
import { loadFeatureExtractor } from '../pipelines/load-extractor.js';
import { createProgress } from '../progress.js';
import { formatTable } from '../table.js';
import { zeroRowsWarning } from '../zero-rows.js';
import { registerBackfillCommand } from './backfill.js';
import { registerIjbcEmbedCommand } from './ijbc-embed.js';
import { registerMatrixCommand } from './matrix.js';
import { registerRetrievalCommand } from './retrieval.js';
import { registerVerificationCommand } from './verification.js';

/** The human-readable IJB-C 1:1 table: TAR (%) at each FAR, and the AUC, per test. */
export function formatIjbcReport(report: IjbcVerificationReport): string {
  const header = ['test', ...IJBC_FARS.map(farKey), 'AUC'];
  const rows = Object.entries(report.tests).map(([name, result]) => [
    name,
    ...IJBC_FARS.map((far) => (100 * result.tar[farKey(far)]!).toFixed(2)),
    (100 * result.auc).toFixed(2),
  ]);
  const out = [
    `IJB-C 1:1 verification, TAR (%) at FAR: ${report.templates} templates, ${report.pairs} pairs`,
    ...formatTable(header, rows),
  ];
  const { cross, old } = report.tests;
  if (cross !== undefined && old !== undefined) {
    const key = farKey(1e-4);
    const compatible = cross.tar[key]! > old.tar[key]!;
    out.push(
      `compatibility at FAR 1e-4: cross ${(100 * cross.tar[key]!).toFixed(2)} ${compatible ? '>' : '<='} old/old ${(100 * old.tar[key]!).toFixed(2)} (${compatible ? 'compatible' : 'not compatible'})`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** The human-readable IJB-C 1:N table: rank-k and TPIR (%) at each FPIR, per test. */
export function formatIdentificationReport(report: IjbcIdentificationReport): string {
  const header = ['test', 'rank-1', 'rank-5', 'rank-10', ...IJBC_FPIRS.map((f) => `TPIR@${f}`)];
  const rows = Object.entries(report.tests).map(([name, result]) => [
    name,
    ...['1', '5', '10'].map((k) => (100 * result.rank[k]!).toFixed(2)),
    ...IJBC_FPIRS.map((f) => (100 * result.tpir[String(f)]!).toFixed(2)),
  ]);
  return `${['IJB-C 1:N identification (%), G1 and G2 combined; cross: old gallery, new probes', ...formatTable(header, rows)].join('\n')}\n`;
}

/** Registers `bct eval ijbc` and `bct eval ijbc-embed`. */
export function registerEvalCommands(program: Command, io: CliIo): void {
  const evaluate = program
    .command('eval')
    .description(
      'evaluate models or features: verification sets (LFW .bin), retrieval and 1:N on your images, IJB-C; self, cross and old tests',
    );
  registerIjbcEmbedCommand(evaluate, io);
  registerVerificationCommand(evaluate, io);
  registerRetrievalCommand(evaluate, io);
  registerMatrixCommand(evaluate, io);
  registerBackfillCommand(evaluate, io);
  evaluate
    .command('ijbc')
    .description('IJB-C 1:1 TAR at FAR from image features, as insightface evaluates it')
    .option(
      '--meta <dir>',
      'directory with ijbc_face_tid_mid.txt, ijbc_name_5pts_score.txt, ijbc_template_pair_label.txt (default: <root>/meta)',
    )
    .option(
      '--features <npy>',
      'new-model features, [images, dim] float32 in meta order, flip-summed',
    )
    .option(
      '--old-features <npy>',
      'old-model features in the same layout: adds the cross (old/new) and old (old/old) tests',
    )
    .option(
      '--root <dir>',
      'IJB-C directory with loose_crop/ and meta/: embed the images instead of --features',
    )
    .option(
      '--model <path>',
      'with --root: new model (checkpoint directory, or external model config .json)',
    )
    .option('--old-model <path>', 'with --root: old model, for the cross and old tests')
    .option(
      '--save-features <dir>',
      'with --root: write new.npy (and old.npy) for later --features runs',
    )
    .option('--batch-size <n>', 'with --root: images per batch (default 64)', positiveInteger())
    .option('--no-detector-score', 'do not weight image features by the detector score')
    .option(
      '--identification',
      'also run 1:N identification (needs ijbc_1N_gallery_G1/G2.csv and ijbc_1N_probe_mixed.csv in --meta)',
    )
    .option(
      '--report <dir>',
      'also write the compatibility report: report.json, report.md, report.html, plot.svg, plot.png',
    )
    .option('--json', 'print one JSON object')
    .option('--force', 'replace an existing --report or --save-features folder')
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .action(
      async (options: {
        force?: boolean;
        backend: string;
        meta?: string;
        report?: string;
        features?: string;
        oldFeatures?: string;
        root?: string;
        model?: string;
        oldModel?: string;
        saveFeatures?: string;
        batchSize?: number;
        detectorScore: boolean;
        identification?: boolean;
        json?: boolean;
      }) => {
        const metaDirectory =
          options.meta ?? (options.root === undefined ? undefined : join(options.root, 'meta'));
        if (metaDirectory === undefined)
          throw new UsageError(
            '--meta',
            'give --meta <dir> (or --root <IJBC> with its meta/ directory)',
          );
        const fromImages = options.root !== undefined;
        if (fromImages === (options.features !== undefined))
          throw new UsageError(
            '--features',
            'give either --features <npy> (precomputed) or --root <IJBC> with --model <checkpoint> (embed the images)',
          );
        if (fromImages && options.model === undefined)
          throw new UsageError(
            '--model',
            '--root needs --model <checkpoint directory or model config>',
          );
        await claimOutputs(
          [options.report, options.saveFeatures].filter((path) => path !== undefined),
          { force: options.force ?? false, option: '--report / --save-features' },
        );
        const meta = await readIjbcMeta(metaDirectory);
        let features: HostMatrix;
        let oldFeatures: HostMatrix | undefined;
        let featuresFile = options.features;
        let oldFeaturesFile = options.oldFeatures;
        if (fromImages) {
          const embed = async (modelPath: string, name: string) => {
            const extractor = await loadFeatureExtractor(modelPath);
            const progress = createProgress(io, `IJB-C ${name} features`, 'images');
            try {
              return await embedIjbcImages({
                root: options.root!,
                meta,
                extractor,
                ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
                onProgress: (done, total) => progress.update(done, total),
              });
            } finally {
              progress.finish();
              extractor.dispose();
            }
          };
          features = await embed(options.model!, 'new');
          if (options.oldModel !== undefined) oldFeatures = await embed(options.oldModel, 'old');
          if (options.saveFeatures !== undefined) {
            const saved = { new: features, old: oldFeatures };
            await writeDirectoryAtomic(options.saveFeatures, async (temporary) => {
              for (const [name, matrix] of Object.entries(saved))
                if (matrix !== undefined) await writeNpy(join(temporary, `${name}.npy`), matrix);
            });
            featuresFile = join(options.saveFeatures, 'new.npy');
            if (oldFeatures !== undefined) oldFeaturesFile = join(options.saveFeatures, 'old.npy');
          }
        } else {
          features = await readNpy(options.features!);
          oldFeatures =
            options.oldFeatures === undefined ? undefined : await readNpy(options.oldFeatures);
        }
        for (const [file, matrix] of [
          [featuresFile ?? 'new features', features],
          [oldFeaturesFile ?? 'old features', oldFeatures],
        ] as const) {
          const warning = matrix === undefined ? undefined : zeroRowsWarning(matrix, file);
          if (warning !== undefined) io.stderr(`eval: warning: ${warning}\n`);
        }
        const report = evaluateIjbcVerification({
          meta,
          features,
          oldFeatures,
          detectorScore: options.detectorScore,
          featuresFile: featuresFile ?? 'features',
          oldFeaturesFile,
          ...(options.report === undefined ? {} : { curvePoints: 121 }),
        });
        // 1:N search computes similarity blocks on a tfjs backend.
        if (options.identification) await activateBackend(io, options.backend, 'inference');
        const identification = options.identification
          ? await evaluateIjbcIdentification({
              metaDirectory,
              meta,
              features,
              oldFeatures,
              detectorScore: options.detectorScore,
            })
          : undefined;
        if (options.report !== undefined) {
          const reportDirectory = options.report;
          await writeDirectoryAtomic(reportDirectory, (temporary) =>
            writeCompatibilityReport(temporary, buildIjbcReport(report)),
          );
          io.stderr(
            `report: ${join(reportDirectory, 'report.html')} (also report.json, report.md, plot.svg, plot.png)\n`,
          );
        }
        if (options.json) {
          // The sampled ROC curves go to the report files, not to stdout.
          const tests = Object.fromEntries(
            Object.entries(report.tests).map(([name, { tar, auc }]) => [name, { tar, auc }]),
          );
          const plain = { ...report, tests };
          const output =
            identification === undefined
              ? plain
              : { ...plain, identification: identification.tests };
          io.stdout(`${JSON.stringify(output, null, 2)}\n`);
        } else {
          const tables = [formatIjbcReport(report)];
          if (identification !== undefined) tables.push(formatIdentificationReport(identification));
          io.stdout(tables.join('\n'));
        }
      },
    );
}
