import { parseConfig } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { activateBackend, BACKEND_OPTION_HELP } from '../backend.js';
import { UsageError } from '../errors/usage-error.js';
import { ExitRequest } from '../exit-request.js';
import { describeConversion } from '../image-conversion.js';
import type { CliIo } from '../io.js';
import { scenarioConfig } from '../presets/scenarios.js';
import { readTrainConfig, train } from '../training/train.js';
import { trainConfigSchema } from '../training/train-config.js';

/**
 * Applies `--set a.b=value` overrides (values parsed as JSON when they are JSON; `null` removes
 * the key).
 */
export function applyOverrides(config: unknown, overrides: readonly string[]): unknown {
  const result = structuredClone(config ?? {}) as Record<string, unknown>;
  for (const override of overrides) {
    const equals = override.indexOf('=');
    if (equals <= 0) throw new UsageError('--set', `expected key=value, got '${override}'`);
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
    // null removes the key, so a config's field can be dropped from the command line.
    if (value === null) delete target[path.at(-1)!];
    else target[path.at(-1)!] = value;
  }
  return result;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Registers `bct train`. */
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
    .option(
      '--init <path>',
      'start from these weights: a bctkit checkpoint directory (e.g. the old model) or a .pth / .safetensors state dict (config init)',
    )
    .option('--init-head', "with --init: also copy the checkpoint's classifier (same classes)")
    .option(
      '--init-grow',
      "with --init: start a wider backbone (a longer embedding) from a narrower checkpoint; its tensors fill each new one's leading block",
    )
    .requiredOption('--out <dir>', 'run directory: checkpoint/ and train.jsonl')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--force', 'replace a run already in --out (its checkpoint and logs)')
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option(
      '--plugin <specifier>',
      'load components from an npm package or an ES module file (repeatable; config plugins)',
      collect,
      [],
    )
    .addHelpText(
      'after',
      [
        '',
        'A starter config for a folder of images (one sub-folder per class), commented:',
        '  bct init --data my-images --out old.yaml',
        '  bct train --config old.yaml --out runs/old',
        'Every config field, with its default: docs page guide/training.md ("The config");',
        'components and their options: bct list.',
        '',
      ].join('\n'),
    )
    .action(
      async (options: {
        config?: string;
        preset?: string;
        stage: string;
        method: string;
        oldHead: string;
        root: string;
        set: string[];
        init?: string;
        initHead?: boolean;
        initGrow?: boolean;
        out: string;
        resume?: boolean;
        force?: boolean;
        backend: string;
        plugin: string[];
      }) => {
        if ((options.config === undefined) === (options.preset === undefined)) {
          throw new UsageError(
            '--config',
            options.config === undefined
              ? 'give a config file (--config, JSON or YAML) or a scenario (--preset)'
              : 'give a config file (--config) or a scenario (--preset), not both',
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
        for (const [flag, given] of [
          ['--init-head', options.initHead],
          ['--init-grow', options.initGrow],
        ] as const)
          if (given && options.init === undefined)
            throw new UsageError(flag, 'needs --init <checkpoint directory>');
        const withInit =
          options.init === undefined
            ? base
            : {
                ...(base as Record<string, unknown>),
                init: {
                  from: options.init,
                  head: options.initHead ?? false,
                  grow: options.initGrow ?? false,
                },
              };
        const overridden = applyOverrides(withInit, options.set) as Record<string, unknown>;
        const plugins = [
          ...(Array.isArray(overridden.plugins) ? (overridden.plugins as unknown[]) : []),
          ...options.plugin,
        ];
        const raw = plugins.length === 0 ? overridden : { ...overridden, plugins };
        const resolved = parseConfig(trainConfigSchema, raw, 'config');
        io.stdout(`${JSON.stringify(resolved, null, 2)}\n`);
        await activateBackend(io, options.backend);
        let lastPrint = 0;
        const start = Date.now();
        if (options.resume && options.force)
          throw new UsageError(
            '--force',
            'give --resume (continue the run) or --force (replace it), not both',
          );
        // Ctrl-C or SIGTERM (what schedulers send): finish the step under way, write a
        // checkpoint, stop with 130 / 143. A second signal kills.
        const stop = new AbortController();
        let exitCode = 130;
        const onSignal = (signal: NodeJS.Signals) => {
          exitCode = signal === 'SIGTERM' ? 143 : 130;
          io.stderr(`train: ${signal}; finishing this step and writing a checkpoint...\n`);
          stop.abort();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        let result: Awaited<ReturnType<typeof train>>;
        try {
          result = await train(resolved, {
            out: options.out,
            resume: options.resume ?? false,
            force: options.force ?? false,
            signal: stop.signal,
            onNote: (message) => io.stderr(`train: ${message}\n`),
            onData: ({ images, classes, sourceShape, inputShape }) => {
              const conversion = describeConversion(sourceShape, inputShape);
              io.stderr(
                `train: ${images} images of ${classes} classes${conversion === undefined ? '' : `; ${conversion}`}\n`,
              );
            },
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
          process.removeListener('SIGINT', onSignal);
          process.removeListener('SIGTERM', onSignal);
        }
        const lastLoss = Number.isFinite(result.lastLoss)
          ? `, last loss ${result.lastLoss.toFixed(4)}`
          : '';
        io.stdout(
          result.stepsThisRun === 0 && options.resume
            ? `the run in ${options.out} had already finished (${result.steps} steps${lastLoss}); nothing to do\n`
            : `trained ${result.steps} steps${lastLoss}; checkpoint: ${options.out}/checkpoint\n`,
        );
        if (result.queryAdapter !== undefined)
          io.stdout(
            `new queries into the old space: ${result.queryAdapter} (cross-test with --adapter ${result.queryAdapter})\n`,
          );
        result.backbone.dispose();
        result.head.dispose();
        if (result.interrupted) {
          io.stderr(`train: stopped at step ${result.steps}; continue with --resume\n`);
          throw new ExitRequest(exitCode);
        }
      },
    );
}
