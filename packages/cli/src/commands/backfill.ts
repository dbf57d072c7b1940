import {
  BACKFILL_POLICIES,
  type BackfillCurve,
  type BackfillPolicy,
  backfillCurve,
  backfillOrder,
  formatBackfillMarkdown,
  queryAdapterBackfillInputs,
  writeBackfillReport,
} from '@bctkit/metrics';
import { type HostMatrix, readNpy, ShapeMismatchError } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { activateBackend, BACKEND_OPTION_HELP } from '../backend.js';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import { positiveInteger, wholeNumber } from '../option-parsers.js';
import { claimOutputs, writeDirectoryAtomic } from '../outputs.js';
import { addAdapterOptions, crossInputs, readCrossAdapter } from './cross-adapter.js';
import { readLabelsFile } from './retrieval.js';

/** Registers `bct eval backfill` under `bct eval`. */
export function registerBackfillCommand(evaluate: Command, io: CliIo): void {
  const command = evaluate
    .command('backfill')
    .description(
      'partial backfill: new queries against a gallery re-embedded a share at a time, in the order of each policy; the cross-test as a curve from 0% to 100% backfilled',
    )
    .requiredOption('--features <npy>', "the new model's features of the labelled images")
    .requiredOption(
      '--old-features <npy>',
      "the old model's features of the same images (the same width, or give --adapter)",
    )
    .requiredOption('--labels <file>', 'one label per image (e.g. from bct extract)')
    .option(
      '--policy <list>',
      `orderings, comma-separated: ${BACKFILL_POLICIES.join(', ')}`,
      BACKFILL_POLICIES.join(','),
    )
    .option(
      '--steps <n>',
      'steps between 0% and 100% (10: 0, 10, ..., 100%)',
      positiveInteger(),
      10,
    )
    .option('--seed <n>', 'seed of the random and class orders', wholeNumber(), 1)
    .option('--report <dir>', 'write backfill.json, backfill.md and the curves (SVG, PNG) here')
    .option('--json', 'print the curves as JSON')
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option('--force', 'replace an existing report');
  addAdapterOptions(command).action(
    async (options: {
      features: string;
      oldFeatures: string;
      labels: string;
      policy: string;
      steps: number;
      seed: number;
      report?: string;
      json?: boolean;
      backend: string;
      force?: boolean;
      adapter?: string;
      adapterSide?: string;
    }) => {
      const policies = options.policy.split(',').map((policy) => policy.trim());
      for (const policy of policies)
        if (!BACKFILL_POLICIES.includes(policy as BackfillPolicy))
          throw new UsageError(
            '--policy',
            `unknown policy '${policy}': one of ${BACKFILL_POLICIES.join(', ')}`,
          );
      if (options.report !== undefined)
        await claimOutputs([options.report], {
          force: options.force ?? false,
          option: '--report',
        });
      const fresh = await readNpy(options.features);
      const old = await readNpy(options.oldFeatures);
      if (old.rows !== fresh.rows)
        throw new ShapeMismatchError(
          `${options.oldFeatures} has ${old.rows} rows, ${options.features} ${fresh.rows}: one row per image of the same set`,
        );
      const cross = await readCrossAdapter(options.adapter, options.adapterSide);
      if (cross === undefined && old.cols !== fresh.cols)
        throw new ShapeMismatchError(
          `${options.oldFeatures} is ${old.cols} wide and ${options.features} ${fresh.cols}: give an adapter between the spaces (--adapter, from bct adapt fit)`,
        );
      const labels = await readLabelsFile(options.labels, fresh.rows);
      // Through an adapter: a gallery adapter maps the old gallery into the new space (then
      // partly replaced by new rows); a query adapter searches old rows with each query mapped
      // into the old space and backfilled rows with the query itself.
      let inputs: { newFeatures: HostMatrix; oldFeatures: HostMatrix; queries?: HostMatrix } = {
        newFeatures: fresh,
        oldFeatures: old,
      };
      if (cross !== undefined) {
        const { query, gallery } = crossInputs(cross, fresh, old);
        if (query.cols !== gallery.cols)
          throw new ShapeMismatchError(
            `${cross.path}: maps into ${cross.adapter.toDim} dimensions, but the ${cross.adapter.role === 'query' ? `old features (${options.oldFeatures}) have ${old.cols}` : `new features (${options.features}) have ${fresh.cols}`}`,
          );
        inputs =
          cross.adapter.role === 'query'
            ? queryAdapterBackfillInputs(query, fresh, old)
            : { newFeatures: fresh, oldFeatures: gallery };
        io.stderr(
          `cross-test through the adapter ${cross.path} (${cross.adapter.method}, ${cross.adapter.role} side)\n`,
        );
      }
      await activateBackend({ ...io, stderr: () => {} }, options.backend, 'inference');
      const fractions = Array.from({ length: options.steps + 1 }, (_, k) => k / options.steps);
      const curves: BackfillCurve[] = policies.map((policy) =>
        backfillCurve(
          inputs.newFeatures,
          inputs.oldFeatures,
          labels,
          // The order depends on the old gallery as it is (uncertainty, classes).
          backfillOrder(policy as BackfillPolicy, old, labels, options.seed),
          {
            fractions,
            policy,
            ...(inputs.queries === undefined ? {} : { queries: inputs.queries }),
          },
        ),
      );
      if (options.report !== undefined) {
        await writeDirectoryAtomic(options.report, (temporary) =>
          writeBackfillReport(temporary, curves),
        );
        io.stderr(`report: ${options.report}\n`);
      }
      io.stdout(
        options.json ? `${JSON.stringify(curves, null, 2)}\n` : formatBackfillMarkdown(curves),
      );
    },
  );
}
