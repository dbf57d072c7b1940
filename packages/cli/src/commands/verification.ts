import { readFile, stat } from 'node:fs/promises';
import {
  evaluatePairs,
  lfwImagePath,
  PAIR_SET_FARS,
  type PairEvaluation,
  type PairEvaluationOptions,
  pairFarKey,
  readPairList,
  readVerificationBin,
} from '@bctkit/metrics';
import {
  DatasetFormatError,
  FileSystemError,
  failureReason,
  type HostMatrix,
  readNpy,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { activateBackend, activateInferenceBackend, BACKEND_OPTION_HELP } from '../backend.js';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import { positiveInteger } from '../option-parsers.js';
import { type EncodedImages, encodedImageSource } from '../pipelines/embed-images.js';
import { formatTable } from '../table.js';
import { describeAdapter } from './adapt.js';
import {
  addAdapterOptions,
  type CrossAdapter,
  crossInputs,
  readCrossAdapter,
} from './cross-adapter.js';
import { embedWithModel } from './embed-with-model.js';

/** A verification set: its images in pair order (2k, 2k+1 form pair k) and its labels. */
export interface PairSet {
  readonly name: string;
  readonly images: EncodedImages;
  readonly sameIdentity: Uint8Array;
}

/** Opens an insightface `.bin` set. */
export async function openBinPairSet(path: string): Promise<PairSet> {
  const bin = await readVerificationBin(path);
  return {
    name: path,
    sameIdentity: bin.sameIdentity,
    images: {
      count: bin.images.length,
      read: async (index) => bin.images[index]!,
      locate: (index) => ({ file: `${path} (image ${index}, pair ${index >> 1})`, record: index }),
    },
  };
}

/**
 * Opens an LFW-style pair list over a folder of `<name>/<name>_NNNN.jpg` images. Every image is
 * checked first; a missing one is an error, or with `skipMissing` its pair is left out (LFW's
 * aligned crops lack Betsy_Coffin_0001, in one pair of `pairsDevTest.txt`).
 */
export async function openListPairSet(
  pairsPath: string,
  root: string,
  options: { skipMissing?: boolean } = {},
): Promise<PairSet & { readonly skipped: number }> {
  const list = await readPairList(pairsPath);
  const paths: string[] = [];
  const same: number[] = [];
  let skipped = 0;
  const missing = async (path: string) => {
    try {
      await stat(path);
      return undefined;
    } catch (cause) {
      return cause;
    }
  };
  for (let k = 0; k < list.sameIdentity.length; k++) {
    const pair = [lfwImagePath(root, list.first[k]!), lfwImagePath(root, list.second[k]!)];
    let keep = true;
    for (const path of pair) {
      const cause = await missing(path);
      if (cause === undefined) continue;
      if (!options.skipMissing)
        throw new DatasetFormatError(
          pairsPath,
          undefined,
          `pair ${k + 1} names ${path}: ${failureReason(cause)} (--skip-missing leaves such pairs out)`,
          { cause },
        );
      keep = false;
    }
    if (!keep) {
      skipped++;
      continue;
    }
    paths.push(...pair);
    same.push(list.sameIdentity[k]!);
  }
  if (same.length === 0)
    throw new DatasetFormatError(pairsPath, undefined, `no pair has both images in ${root}`);
  return {
    name: pairsPath,
    sameIdentity: Uint8Array.from(same),
    skipped,
    images: {
      count: paths.length,
      read: async (index) => {
        try {
          return new Uint8Array(await readFile(paths[index]!));
        } catch (cause) {
          throw new FileSystemError(paths[index]!, 'read the image', failureReason(cause), {
            cause,
          });
        }
      },
      locate: (index) => ({ file: paths[index]! }),
    },
  };
}

/** Rows 0, 2, 4 ... (each pair's first image) and 1, 3, 5 ... (the second). */
function splitPairs(features: HostMatrix): [HostMatrix, HostMatrix] {
  const pairs = features.rows / 2;
  const first = new Float32Array(pairs * features.cols);
  const second = new Float32Array(pairs * features.cols);
  for (let k = 0; k < pairs; k++) {
    first.set(
      features.data.subarray(2 * k * features.cols, (2 * k + 1) * features.cols),
      k * features.cols,
    );
    second.set(
      features.data.subarray((2 * k + 1) * features.cols, (2 * k + 2) * features.cols),
      k * features.cols,
    );
  }
  return [
    { data: first, rows: pairs, cols: features.cols },
    { data: second, rows: pairs, cols: features.cols },
  ];
}

/** The results of `bct eval verification`, as `--json` prints them. */
export interface VerificationSummary {
  readonly set: string;
  readonly pairs: number;
  readonly flip: boolean;
  readonly folds: number;
  /** The accuracy's candidate thresholds: insightface's 0.01 grid, or every distance (fine). */
  readonly thresholds: 'insightface' | 'fine';
  readonly tests: Record<string, VerificationTest>;
  /** The adapter the cross-test went through (`--adapter`), described in one line. */
  readonly adapter?: string;
}

/** One test's figures: accuracy (10-fold mean), its standard deviation, TAR at FAR, AUC. */
export interface VerificationTest {
  readonly accuracy: number;
  readonly accuracyStd: number;
  readonly tar: Readonly<Record<string, number>>;
  readonly auc: number;
}

function summarise(result: PairEvaluation): VerificationTest {
  return {
    accuracy: result.accuracy.mean,
    accuracyStd: result.accuracy.std,
    tar: result.tar,
    auc: result.auc,
  };
}

/**
 * The self / cross / old tests of a verification set: self compares the new model with itself,
 * cross the new embedding of each pair's first image with the old embedding of the second, old
 * the old model with itself. Cross needs embeddings of one width.
 */
export function verificationTests(
  sameIdentity: Uint8Array,
  features: HostMatrix | undefined,
  oldFeatures: HostMatrix | undefined,
  evaluation: PairEvaluationOptions,
  adapter?: CrossAdapter,
): { tests: Record<string, VerificationTest>; skipped?: string } {
  const tests: Record<string, VerificationTest> = {};
  const fresh = features === undefined ? undefined : splitPairs(features);
  const old = oldFeatures === undefined ? undefined : splitPairs(oldFeatures);
  if (fresh !== undefined)
    tests.self = summarise(evaluatePairs(fresh[0], fresh[1], sameIdentity, evaluation));
  let skipped: string | undefined;
  if (features !== undefined && oldFeatures !== undefined) {
    const { query, gallery } = crossInputs(adapter, features, oldFeatures);
    if (query.cols === gallery.cols)
      tests.cross = summarise(
        evaluatePairs(splitPairs(query)[0], splitPairs(gallery)[1], sameIdentity, evaluation),
      );
    else
      skipped =
        `cross-test skipped: the new embeddings have ${query.cols} values and the old ${gallery.cols}; ` +
        'train the new model with the old embeddingDim, or fit an adapter (bct adapt fit) and pass --adapter';
  }
  if (old !== undefined)
    tests.old = summarise(evaluatePairs(old[0], old[1], sameIdentity, evaluation));
  return skipped === undefined ? { tests } : { tests, skipped };
}

/** The human-readable table of {@link VerificationSummary}. */
export function formatVerification(summary: VerificationSummary): string {
  const fars = PAIR_SET_FARS.map(pairFarKey);
  const header = ['test', 'accuracy', '+-', ...fars.map((far) => `TAR@${far}`), 'AUC'];
  const labels: Record<string, string> = {
    self: 'new / new (self)',
    cross: 'new / old (cross)',
    old: 'old / old',
  };
  const rows = Object.entries(summary.tests).map(([name, test]) => [
    labels[name] ?? name,
    (100 * test.accuracy).toFixed(2),
    (100 * test.accuracyStd).toFixed(2),
    ...fars.map((far) => (100 * test.tar[far]!).toFixed(2)),
    (100 * test.auc).toFixed(2),
  ]);
  const lines = [
    `${summary.set}: ${summary.pairs} pairs, ${summary.folds}-fold accuracy${summary.thresholds === 'fine' ? ' (fine thresholds)' : ''} and TAR (%)${summary.flip ? ', flip-test' : ''}`,
    ...formatTable(header, rows),
  ];
  if (summary.adapter !== undefined) lines.push(`cross-test through the ${summary.adapter}`);
  const { cross, old } = summary.tests;
  if (cross !== undefined && old !== undefined) {
    const compatible = cross.accuracy > old.accuracy;
    lines.push(
      `compatibility: cross ${(100 * cross.accuracy).toFixed(2)} ${compatible ? '>' : '<='} old/old ${(100 * old.accuracy).toFixed(2)} (${compatible ? 'compatible' : 'not compatible'})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function readPairFeatures(path: string, images: number, flag: string): Promise<HostMatrix> {
  const features = await readNpy(path);
  if (features.rows !== images)
    throw new ShapeMismatchError(
      `${path} (${flag}) has ${features.rows} rows, the verification set has ${images} images (two per pair, in pair order)`,
    );
  return features;
}

/** Registers `bct eval verification` under `bct eval`. */
export function registerVerificationCommand(evaluate: Command, io: CliIo): void {
  const command = evaluate
    .command('verification')
    .description(
      'verification on an insightface .bin set (LFW, CFP-FP, AgeDB-30) or an LFW pair list: 10-fold accuracy, TAR at FAR, AUC; self, cross and old tests',
    )
    .option('--bin <file>', 'insightface verification set (.bin)')
    .option('--pairs <file>', "pair list in LFW's pairs.txt format (with --images)")
    .option('--images <dir>', 'folder of <name>/<name>_NNNN.jpg images for --pairs')
    .option('--skip-missing', 'with --pairs: leave out pairs whose image file is missing')
    .option('--model <path>', 'the new model: checkpoint directory or external model config')
    .option('--old-model <path>', 'the old model: checkpoint directory or external model config')
    .option('--features <npy>', "the new model's features of the set's images, in pair order")
    .option('--old-features <npy>', "the old model's features of the set's images, in pair order")
    .option('--folds <n>', 'folds of the accuracy', positiveInteger(), 10)
    .option(
      '--thresholds <grid>',
      'accuracy thresholds: insightface (its 0.01 grid) or fine (every distance; for embeddings whose distances are all tiny)',
      'insightface',
    )
    .option('--no-flip', 'embed each image only, without its mirror image')
    .option('--batch-size <n>', 'images per batch', positiveInteger(), 64)
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option('--json', 'print the results as JSON');
  addAdapterOptions(command).action(
    async (options: {
      adapter?: string;
      adapterSide?: string;
      bin?: string;
      pairs?: string;
      images?: string;
      skipMissing?: boolean;
      model?: string;
      oldModel?: string;
      features?: string;
      oldFeatures?: string;
      folds: number;
      thresholds: string;
      flip: boolean;
      batchSize: number;
      backend: string;
      json?: boolean;
    }) => {
      if (options.thresholds !== 'insightface' && options.thresholds !== 'fine')
        throw new UsageError(
          '--thresholds',
          `expected insightface or fine, got '${options.thresholds}'`,
        );
      const thresholds = options.thresholds;
      if ((options.bin === undefined) === (options.pairs === undefined))
        throw new UsageError(
          '--bin',
          'give a verification set: --bin <file>, or --pairs <file> with --images <dir>',
        );
      if (options.pairs !== undefined && options.images === undefined)
        throw new UsageError('--images', '--pairs needs the folder of images: --images <dir>');
      for (const [model, features, flag] of [
        [options.model, options.features, '--model'],
        [options.oldModel, options.oldFeatures, '--old-model'],
      ] as const) {
        if (model !== undefined && features !== undefined)
          throw new UsageError(flag, `give ${flag} or its features file, not both`);
      }
      if (
        options.model === undefined &&
        options.features === undefined &&
        options.oldModel === undefined &&
        options.oldFeatures === undefined
      )
        throw new UsageError(
          '--model',
          'give a model (--model, --old-model) or features (--features, --old-features)',
        );
      const set =
        options.bin !== undefined
          ? await openBinPairSet(options.bin)
          : await openListPairSet(options.pairs!, options.images!, {
              skipMissing: options.skipMissing ?? false,
            });
      if ('skipped' in set && (set.skipped as number) > 0)
        io.stderr(`${set.skipped} pair(s) left out: an image file is missing\n`);
      const images = set.images.count;
      // Features files are checked before any model runs.
      const given = {
        features:
          options.features === undefined
            ? undefined
            : await readPairFeatures(options.features, images, '--features'),
        old:
          options.oldFeatures === undefined
            ? undefined
            : await readPairFeatures(options.oldFeatures, images, '--old-features'),
      };
      const cross = await readCrossAdapter(options.adapter, options.adapterSide);
      const needsModel = options.model !== undefined || options.oldModel !== undefined;
      if (needsModel)
        await activateInferenceBackend(io, options.backend, [options.model, options.oldModel]);
      // An adapter maps features with tfjs, also when no model runs.
      else if (cross !== undefined)
        await activateBackend({ ...io, stderr: () => {} }, options.backend, 'inference');
      const embed = (path: string, label: string) =>
        embedWithModel(io, path, label, encodedImageSource('verification', set.images), {
          batchSize: options.batchSize,
          flip: options.flip,
        });
      const features =
        options.model !== undefined ? await embed(options.model, 'new model') : given.features;
      const oldFeatures =
        options.oldModel !== undefined ? await embed(options.oldModel, 'old model') : given.old;
      const { tests, skipped } = verificationTests(
        set.sameIdentity,
        features,
        oldFeatures,
        { folds: options.folds, thresholds },
        cross,
      );
      if (skipped !== undefined) io.stderr(`${skipped}\n`);
      const summary: VerificationSummary = {
        set: set.name,
        pairs: set.sameIdentity.length,
        flip: needsModel ? options.flip : false,
        folds: options.folds,
        thresholds,
        tests,
        ...(cross === undefined
          ? {}
          : { adapter: `${describeAdapter(cross.adapter)}: ${cross.path}` }),
      };
      io.stdout(
        options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatVerification(summary),
      );
    },
  );
}
