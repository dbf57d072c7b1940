import {
  formatMatrixMarkdown,
  type MatrixMetric,
  retrievalMatrix,
  writeMatrixReport,
} from '@bctkit/metrics';
import { type HostMatrix, readNpy, ShapeMismatchError } from '@bctkit/tensor-ops';
import { type Command, Option } from 'commander';
import { activateBackend, BACKEND_OPTION_HELP } from '../backend.js';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import { claimOutputs, writeDirectoryAtomic } from '../outputs.js';
import { type CrossAdapter, crossInputs, readCrossAdapter } from './cross-adapter.js';
import { readLabelsFile } from './retrieval.js';

const METRICS: Record<string, MatrixMetric> = { top1: 'top1', top5: 'top5', map: 'mapAtR' };

/** Registers `bct eval matrix` under `bct eval`. */
export function registerMatrixCommand(evaluate: Command, io: CliIo): void {
  evaluate
    .command('matrix')
    .description(
      'compatibility across model generations: every query model against every gallery model (leave-one-out retrieval), the criterion per pair, AC and AM',
    )
    .requiredOption(
      '--features <npy...>',
      "each generation's features of the same images, oldest first (2 or more)",
    )
    .requiredOption('--labels <file>', 'one label per image (e.g. from bct extract)')
    .option('--names <list>', 'the generations, comma-separated (default: the file names)')
    .addOption(
      new Option('--metric <metric>', 'what each entry measures')
        .choices(Object.keys(METRICS))
        .default('top1'),
    )
    .option('--report <dir>', 'write matrix.json, matrix.md and the heat map (SVG, PNG) here')
    .option('--json', 'print the matrix as JSON')
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option('--force', 'replace an existing report')
    .option(
      '--adapter <newer:older=file>',
      'an adapter between two generations (from bct adapt fit on their features), for their entries: the side it was fitted on is mapped into the other space (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
      [],
    )
    .action(
      async (options: {
        features: string[];
        labels: string;
        names?: string;
        metric: string;
        report?: string;
        json?: boolean;
        backend: string;
        force?: boolean;
        adapter: string[];
      }) => {
        if (options.features.length < 2)
          throw new UsageError('--features', 'give the features of 2 or more generations');
        const names =
          options.names?.split(',').map((name) => name.trim()) ??
          options.features.map((file) =>
            file
              .split(/[\\/]/)
              .pop()!
              .replace(/\.npy$/, ''),
          );
        if (names.length !== options.features.length)
          throw new UsageError(
            '--names',
            `${names.length} names for ${options.features.length} features files`,
          );
        if (options.report !== undefined)
          await claimOutputs([options.report], {
            force: options.force ?? false,
            option: '--report',
          });
        const features: HostMatrix[] = [];
        for (const file of options.features) features.push(await readNpy(file));
        features.forEach((matrix, k) => {
          if (matrix.rows !== features[0]!.rows)
            throw new ShapeMismatchError(
              `${options.features[k]} has ${matrix.rows} rows, ${options.features[0]} ${features[0]!.rows}: each file holds one row per image of the same set`,
            );
        });
        const labels = await readLabelsFile(options.labels, features[0]!.rows);
        const adapters = await readPairAdapters(options.adapter, names);
        await activateBackend({ ...io, stderr: () => {} }, options.backend, 'inference');
        const matrix = retrievalMatrix(names, features, labels, METRICS[options.metric]!, {
          inputs: (query, gallery) => {
            const newer = Math.max(query, gallery);
            const older = Math.min(query, gallery);
            const cross = adapters.get(`${newer}:${older}`);
            if (cross === undefined || query === gallery) return undefined;
            // The adapter maps newer into older (query side) or older into newer (gallery side).
            const mapped = crossInputs(cross, features[newer]!, features[older]!);
            return query === newer
              ? { query: mapped.query, gallery: mapped.gallery }
              : { query: mapped.gallery, gallery: mapped.query };
          },
        });
        for (const [pair, cross] of adapters) {
          const [newer, older] = pair.split(':').map(Number) as [number, number];
          io.stderr(
            `${names[newer]} and ${names[older]} through the adapter ${cross.path} (${cross.adapter.method}, ${cross.adapter.role} side)\n`,
          );
        }
        for (const criterion of matrix.criteria)
          if (criterion.cross === null)
            io.stderr(
              `${names[criterion.newer]} and ${names[criterion.older]} have different widths: no cross entry (fit an adapter with bct adapt fit and map one of them first)\n`,
            );
        if (options.report !== undefined) {
          await writeDirectoryAtomic(options.report, (temporary) =>
            writeMatrixReport(temporary, matrix),
          );
          io.stderr(`report: ${options.report}\n`);
        }
        io.stdout(
          options.json ? `${JSON.stringify(matrix, null, 2)}\n` : formatMatrixMarkdown(matrix),
        );
      },
    );
}

/**
 * Reads `--adapter newer:older=file` options: generations by name, the newer first.
 * @returns the adapters by `"<newer index>:<older index>"`.
 * @throws {@link UsageError} for a malformed value, an unknown name, or a pair given twice.
 */
async function readPairAdapters(
  values: readonly string[],
  names: readonly string[],
): Promise<Map<string, CrossAdapter>> {
  const adapters = new Map<string, CrossAdapter>();
  for (const value of values) {
    const match = /^([^:=]+):([^=]+)=(.+)$/.exec(value);
    if (match === null)
      throw new UsageError('--adapter', `expected newer:older=file, got '${value}'`);
    const [newer, older] = [match[1]!, match[2]!].map((name) => {
      const index = names.indexOf(name.trim());
      if (index < 0)
        throw new UsageError(
          '--adapter',
          `no generation '${name.trim()}' (the generations: ${names.join(', ')})`,
        );
      return index;
    }) as [number, number];
    if (newer <= older)
      throw new UsageError(
        '--adapter',
        `'${value}': name the newer generation first (${names[older]} comes after ${names[newer]} in --features)`,
      );
    const key = `${newer}:${older}`;
    if (adapters.has(key))
      throw new UsageError('--adapter', `two adapters for ${names[newer]} and ${names[older]}`);
    adapters.set(key, (await readCrossAdapter(match[3]!, undefined))!);
  }
  return adapters;
}
