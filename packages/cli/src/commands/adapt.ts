import { copyFile, stat } from 'node:fs/promises';
import {
  adapters,
  applyAdapter,
  type FittedAdapter,
  fitAdapter,
  readAdapter,
  writeAdapter,
} from '@bctkit/adapters';
import { type HostMatrix, readNpy, writeNpy } from '@bctkit/tensor-ops';
import { type Command, Option } from 'commander';
import { activateBackend, BACKEND_OPTION_HELP } from '../backend.js';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import { positiveInteger, wholeNumber } from '../option-parsers.js';
import { claimOutputs } from '../outputs.js';
import { labelsPath } from '../pipelines/shards.js';

/** Method options given as flags, merged over `--options`. */
interface OptionFlags {
  options?: string;
  rank?: number;
  ridge?: number;
  hidden?: number;
  epochs?: number;
  seed?: number;
}

function methodOptions(flags: OptionFlags): Record<string, unknown> {
  let options: Record<string, unknown> = {};
  if (flags.options !== undefined) {
    try {
      options = JSON.parse(flags.options) as Record<string, unknown>;
    } catch (cause) {
      throw new UsageError('--options', `not JSON: ${(cause as Error).message}`);
    }
    if (options === null || typeof options !== 'object' || Array.isArray(options))
      throw new UsageError('--options', 'expected a JSON object, e.g. {"rank": 64}');
  }
  for (const key of ['rank', 'ridge', 'hidden', 'epochs', 'seed'] as const)
    if (flags[key] !== undefined) options[key] = flags[key];
  return options;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** One line describing a fitted adapter. */
export function describeAdapter(adapter: FittedAdapter): string {
  const side = adapter.sideDim > 0 ? ` + ${adapter.sideDim}-d side information` : '';
  return `${adapter.method} adapter ${adapter.fromDim}-d${side} -> ${adapter.toDim}-d (applied to the ${adapter.role === 'query' ? 'new queries' : 'old gallery'} in cross-tests), fitted on ${adapter.fittedOn.rows} rows`;
}

/** Registers `bct adapt fit` and `bct adapt apply`. */
export function registerAdaptCommands(program: Command, io: CliIo): void {
  const adapt = program
    .command('adapt')
    .description('maps between embedding spaces: fit an adapter on paired features, apply it');

  adapt
    .command('fit')
    .description('fit an adapter from features of the same images in two spaces (.npy, any widths)')
    .requiredOption('--from <npy>', 'features in the space to map from, [N, d1]')
    .requiredOption(
      '--to <npy>',
      'features of the same images, same order, in the target space, [N, d2]',
    )
    .requiredOption('--out <file>', 'the adapter file (JSON)')
    .option(
      '--method <id>',
      `adapter method: ${adapters
        .list()
        .map((spec) => spec.id)
        .join(', ')}`,
      'procrustes',
    )
    .option('--side <npy>', 'side-information features of the same images (fct), [N, d3]')
    .addOption(
      new Option('--role <role>', "where cross-tests apply it (default: the method's)").choices([
        'query',
        'gallery',
      ]),
    )
    .option('--no-normalize', 'fit on the raw rows instead of L2-normalised ones')
    .option('--rank <r>', 'affine: keep r dimensions (reduced-rank regression)', positiveInteger())
    .option('--ridge <lambda>', 'affine: ridge penalty per row (default 1e-3)', Number.parseFloat)
    .option('--hidden <n>', 'mlp / fct: hidden width', positiveInteger())
    .option('--epochs <n>', 'mlp / fct: passes over the rows', positiveInteger())
    .option('--seed <n>', 'mlp / fct: seed of the weights and the row order', wholeNumber())
    .option('--options <json>', 'any method option as JSON, e.g. {"learningRate": 0.003}')
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option('--force', 'replace an existing adapter file')
    .action(
      async (
        options: OptionFlags & {
          from: string;
          to: string;
          out: string;
          method: string;
          side?: string;
          role?: 'query' | 'gallery';
          normalize: boolean;
          backend: string;
          force?: boolean;
        },
      ) => {
        const spec = adapters.get(options.method);
        const parsed = methodOptions(options);
        await claimOutputs([options.out], { force: options.force ?? false });
        const from = await readNpy(options.from);
        const to = await readNpy(options.to);
        const side = options.side === undefined ? undefined : await readNpy(options.side);
        await activateBackend(io, options.backend);
        const started = performance.now();
        const adapter = await fitAdapter(
          {
            from,
            to,
            ...(side === undefined ? {} : { side }),
            names: {
              from: options.from,
              to: options.to,
              ...(options.side === undefined ? {} : { side: options.side }),
            },
          },
          {
            method: spec.id,
            options: parsed,
            normalize: options.normalize,
            ...(options.role === undefined ? {} : { role: options.role }),
            onNote: (message) => io.stderr(`${spec.id}: ${message}\n`),
            onEpoch: (epoch, epochs, loss) =>
              io.stderr(`${spec.id}: epoch ${epoch}/${epochs}, loss ${loss.toFixed(5)}\n`),
          },
        );
        await writeAdapter(options.out, adapter);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        io.stdout(
          `${describeAdapter(adapter)} in ${seconds} s; mean squared error per row ${adapter.fitError.toFixed(5)}: ${options.out}\n`,
        );
      },
    );

  adapt
    .command('apply')
    .description('map features with a fitted adapter')
    .requiredOption('--adapter <file>', 'an adapter file from bct adapt fit')
    .requiredOption('--features <npy>', 'features in the space the adapter maps from, [N, d1]')
    .requiredOption(
      '--out <npy>',
      'mapped features, [N, d2]; labels are copied beside when present',
    )
    .option(
      '--side <npy>',
      'side-information features of the same images, for an adapter fitted with them',
    )
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option('--force', 'replace existing outputs')
    .action(
      async (options: {
        adapter: string;
        features: string;
        out: string;
        side?: string;
        backend: string;
        force?: boolean;
      }) => {
        const labels = labelsPath(options.features);
        const hasLabels = await exists(labels);
        await claimOutputs([options.out, ...(hasLabels ? [labelsPath(options.out)] : [])], {
          force: options.force ?? false,
        });
        const adapter = await readAdapter(options.adapter);
        const features = await readNpy(options.features);
        const side = options.side === undefined ? undefined : await readNpy(options.side);
        await activateBackend(io, options.backend, 'inference');
        const mapped: HostMatrix = applyAdapter(adapter, features, side, options.features);
        await writeNpy(options.out, mapped);
        if (hasLabels) await copyFile(labels, labelsPath(options.out));
        io.stdout(
          `${mapped.rows} x ${mapped.cols} features mapped by the ${adapter.method} adapter: ${options.out}\n`,
        );
      },
    );
}
