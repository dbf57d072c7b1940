import { type DatasetSource, openSource } from '@bctkit/datasets';
import {
  buildRetrievalReport,
  type CompatibilityReport,
  type GallerySearchResult,
  type RetrievalResult,
  retrievalMetrics,
  searchGallery,
  writeCompatibilityReport,
} from '@bctkit/metrics';
import {
  type HostMatrix,
  InvalidConfigError,
  readFileOrFail,
  readNpy,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { activateBackend, activateInferenceBackend, BACKEND_OPTION_HELP } from '../backend.js';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import { positiveInteger } from '../option-parsers.js';
import { claimOutputs, writeDirectoryAtomic } from '../outputs.js';
import { formatTable } from '../table.js';
import { describeAdapter } from './adapt.js';
import { addAdapterOptions, crossInputs, readCrossAdapter } from './cross-adapter.js';
import { dataArgument } from './data-argument.js';
import { embedWithModel } from './embed-with-model.js';

/** The open-set FPIRs reported for a set of a few thousand images. */
export const RETRIEVAL_FPIRS = [1e-2, 1e-1] as const;

/** One test's figures: closed-set retrieval and open-set 1:N search. */
export interface RetrievalTest {
  readonly top: Readonly<Record<string, number>>;
  readonly mapAtR: number;
  /** Open-set search: rank-k hit rates and TPIR at each FPIR, over the mated probes. */
  readonly openSet: {
    readonly rank: Readonly<Record<string, number>>;
    readonly tpir: Readonly<Record<string, number>>;
    readonly mated: number;
    readonly nonMated: number;
  };
}

/**
 * Splits one labelled set for open-set 1:N search: the first image of each identity in the first
 * half of the identities (by label) is enrolled in the gallery; every other image is a probe,
 * mated when its identity is enrolled, non-mated otherwise.
 */
export function openSetSplit(labels: Int32Array): { gallery: number[]; probes: number[] } {
  const identities = [...new Set(labels)].sort((a, b) => a - b);
  const enrolled = new Set(identities.slice(0, Math.ceil(identities.length / 2)));
  const seen = new Set<number>();
  const gallery: number[] = [];
  const probes: number[] = [];
  for (let index = 0; index < labels.length; index++) {
    const label = labels[index]!;
    if (enrolled.has(label) && !seen.has(label)) {
      seen.add(label);
      gallery.push(index);
    } else probes.push(index);
  }
  return { gallery, probes };
}

/** The given rows of a matrix, each scaled to unit length (zero rows stay zero). */
function unitRows(matrix: HostMatrix, rows: readonly number[]): HostMatrix {
  const { cols } = matrix;
  const data = new Float32Array(rows.length * cols);
  for (const [i, row] of rows.entries()) {
    let norm = 0;
    for (let c = 0; c < cols; c++) norm += matrix.data[row * cols + c]! ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let c = 0; c < cols; c++) data[i * cols + c] = matrix.data[row * cols + c]! * scale;
  }
  return { data, rows: rows.length, cols };
}

/**
 * Retrieval of `queries` in `gallery` (rows of one labelled set, so leave-one-out) and open-set
 * 1:N search (see {@link openSetSplit}); queries and probes come from `queries`, the gallery
 * from `gallery`: the same model for self and old tests, new and old for the cross-test.
 */
export function retrievalTest(
  queries: HostMatrix,
  gallery: HostMatrix,
  labels: Int32Array,
): RetrievalTest {
  const closed: RetrievalResult = retrievalMetrics(queries, labels, gallery, labels, {
    excludeSameIndex: true,
  });
  const split = openSetSplit(labels);
  const search: GallerySearchResult = searchGallery(
    unitRows(queries, split.probes),
    split.probes.map((row) => labels[row]!),
    unitRows(gallery, split.gallery),
    split.gallery.map((row) => labels[row]!),
    { ranks: [1, 5], fpirs: RETRIEVAL_FPIRS },
  );
  const rank: Record<string, number> = {};
  for (const [k, hits] of Object.entries(search.hits)) rank[k] = hits / search.mated;
  return {
    top: closed.top,
    mapAtR: closed.mapAtR,
    openSet: { rank, tpir: search.tpir, mated: search.mated, nonMated: search.nonMated },
  };
}

/** The human-readable table of retrieval tests. */
export function formatRetrieval(
  title: string,
  tests: Readonly<Record<string, RetrievalTest>>,
): string {
  const labels: Record<string, string> = {
    self: 'new / new (self)',
    cross: 'new query / old gallery (cross)',
    old: 'old / old',
  };
  const header = ['test', 'top-1', 'top-5', 'mAP@R', ...RETRIEVAL_FPIRS.map((f) => `TPIR@${f}`)];
  const rows = Object.entries(tests).map(([name, test]) => [
    labels[name] ?? name,
    (100 * test.top['1']!).toFixed(2),
    (100 * test.top['5']!).toFixed(2),
    (100 * test.mapAtR).toFixed(2),
    ...RETRIEVAL_FPIRS.map((f) => (100 * test.openSet.tpir[String(f)]!).toFixed(2)),
  ]);
  const lines = [title, ...formatTable(header, rows)];
  const { cross, old } = tests;
  if (cross !== undefined && old !== undefined) {
    const compatible = cross.top['1']! > old.top['1']!;
    lines.push(
      `compatibility: cross top-1 ${(100 * cross.top['1']!).toFixed(2)} ${compatible ? '>' : '<='} old/old ${(100 * old.top['1']!).toFixed(2)} (${compatible ? 'compatible' : 'not compatible'})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Reads a labels file: one whole number >= 0 per line. */
export async function readLabelsFile(path: string, rows: number): Promise<Int32Array> {
  const lines = (await readFileOrFail(path, 'the labels')).toString('utf8').trim().split('\n');
  const labels = Int32Array.from(lines, (line, index) => {
    const label = Number(line);
    if (!(line.trim() !== '' && Number.isInteger(label) && label >= 0 && label < 2 ** 31))
      throw new InvalidConfigError(path, `line ${index + 1} is not a label: '${line}'`);
    return label;
  });
  if (labels.length !== rows)
    throw new ShapeMismatchError(`${path} has ${labels.length} labels for ${rows} feature rows`);
  return labels;
}

/** Registers `bct eval retrieval` under `bct eval`. */
export function registerRetrievalCommand(evaluate: Command, io: CliIo): void {
  const command = evaluate
    .command('retrieval')
    .description(
      'retrieval and open-set 1:N on your own labelled images: top-1 / top-5, mAP@R, TPIR at FPIR; self, cross and old tests, with a compatibility report',
    )
    .option(
      '--data <source>',
      'the labelled images: a .rec, a folder of identity folders, or a source config',
    )
    .option('--model <path>', 'the new model: checkpoint directory or external model config')
    .option('--old-model <path>', 'the old model: checkpoint directory or external model config')
    .option('--features <npy>', "the new model's features of the images (rows in dataset order)")
    .option('--old-features <npy>', "the old model's features of the images")
    .option('--labels <file>', 'with features only: one label per line (e.g. from bct extract)')
    .option('--report <dir>', 'write the compatibility report (HTML, Markdown, JSON, plots) here')
    .option('--batch-size <n>', 'images per batch', positiveInteger(), 64)
    .option('--no-flip', 'embed each image only, without its mirror image')
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option('--json', 'print the results as JSON')
    .option('--force', 'replace an existing report');
  addAdapterOptions(command).action(
    async (options: {
      adapter?: string;
      adapterSide?: string;
      data?: string;
      model?: string;
      oldModel?: string;
      features?: string;
      oldFeatures?: string;
      labels?: string;
      report?: string;
      batchSize: number;
      flip: boolean;
      backend: string;
      json?: boolean;
      force?: boolean;
    }) => {
      for (const [model, features, flag] of [
        [options.model, options.features, '--model'],
        [options.oldModel, options.oldFeatures, '--old-model'],
      ] as const) {
        if (model !== undefined && features !== undefined)
          throw new UsageError(flag, `give ${flag} or its features file, not both`);
      }
      if (options.model === undefined && options.features === undefined)
        throw new UsageError(
          '--model',
          'give the new model (--model) or its features (--features)',
        );
      const needsImages = options.model !== undefined || options.oldModel !== undefined;
      if (options.data === undefined && (needsImages || options.labels === undefined))
        throw new UsageError(
          '--data',
          'give the labelled images (--data), or --labels with features files',
        );
      if (options.report !== undefined)
        await claimOutputs([options.report], { force: options.force ?? false, option: '--report' });
      let source: DatasetSource | undefined;
      try {
        if (options.data !== undefined)
          source = await openSource(await dataArgument('--data', options.data), '--data');
        const labels =
          source !== undefined
            ? await source.labels()
            : await readLabelsFile(options.labels!, (await readNpy(options.features!)).rows);
        const given = async (path: string | undefined, flag: string) => {
          if (path === undefined) return undefined;
          const features = await readNpy(path);
          if (features.rows !== labels.length)
            throw new ShapeMismatchError(
              `${path} (${flag}) has ${features.rows} rows for ${labels.length} images`,
            );
          return features;
        };
        const givenNew = await given(options.features, '--features');
        const givenOld = await given(options.oldFeatures, '--old-features');
        const cross = await readCrossAdapter(options.adapter, options.adapterSide);
        // Features alone still need a backend: the rankings are computed with tfjs.
        if (needsImages)
          await activateInferenceBackend(io, options.backend, [options.model, options.oldModel]);
        else await activateBackend({ ...io, stderr: () => {} }, options.backend, 'inference');
        const embed = (path: string, label: string) =>
          embedWithModel(io, path, label, source!, {
            batchSize: options.batchSize,
            flip: options.flip,
          });
        const fresh =
          options.model !== undefined ? await embed(options.model, 'new model') : givenNew!;
        const old =
          options.oldModel !== undefined ? await embed(options.oldModel, 'old model') : givenOld;
        // The adapter is checked against the features before any test runs.
        const crossed = old === undefined ? undefined : crossInputs(cross, fresh, old);
        const tests: Record<string, RetrievalTest> = {
          self: retrievalTest(fresh, fresh, labels),
        };
        if (old !== undefined && crossed !== undefined) {
          const { query, gallery } = crossed;
          if (query.cols === gallery.cols) tests.cross = retrievalTest(query, gallery, labels);
          else
            io.stderr(
              `cross-test skipped: the new embeddings have ${query.cols} values and the old ${gallery.cols}; fit an adapter (bct adapt fit) and pass --adapter\n`,
            );
          if (cross !== undefined)
            io.stderr(`cross-test through the ${describeAdapter(cross.adapter)}: ${cross.path}\n`);
          tests.old = retrievalTest(old, old, labels);
        }
        const classes = new Set(labels).size;
        const title = `${options.data ?? options.features}: ${labels.length} images of ${classes} identities; leave-one-out retrieval (%), open-set 1:N (half the identities enrolled, one image each)`;
        if (options.report !== undefined) {
          const closed = (test: RetrievalTest | undefined) =>
            test === undefined
              ? undefined
              : { top: test.top, mapAtR: test.mapAtR, queriesWithRelevant: labels.length };
          const report: CompatibilityReport = buildRetrievalReport(
            {
              self: closed(tests.self)!,
              ...(tests.cross === undefined ? {} : { cross: closed(tests.cross)! }),
              ...(tests.old === undefined ? {} : { old: closed(tests.old)! }),
            },
            { title },
          );
          await writeDirectoryAtomic(options.report, (temporary) =>
            writeCompatibilityReport(temporary, report),
          );
          io.stderr(`report: ${options.report}\n`);
        }
        io.stdout(
          options.json
            ? `${JSON.stringify({ data: options.data ?? options.features, images: labels.length, identities: classes, tests }, null, 2)}\n`
            : formatRetrieval(title, tests),
        );
      } finally {
        await source?.close();
      }
    },
  );
}
