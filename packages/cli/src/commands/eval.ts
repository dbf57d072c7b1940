import {
  evaluateIjbcVerification,
  farKey,
  IJBC_FARS,
  type IjbcVerificationReport,
  readIjbcMeta,
} from '@bctkit/metrics';
import { readNpy } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/** The human-readable IJB-C 1:1 table: TAR (%) at each FAR, and the AUC, per test. */
export function formatIjbcReport(report: IjbcVerificationReport): string {
  const header = ['test', ...IJBC_FARS.map(farKey), 'AUC'];
  const rows = Object.entries(report.tests).map(([name, result]) => [
    name,
    ...IJBC_FARS.map((far) => (100 * result.tar[farKey(far)]!).toFixed(2)),
    (100 * result.auc).toFixed(2),
  ]);
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => row[i]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ');
  const out = [
    `IJB-C 1:1 verification, TAR (%) at FAR: ${report.templates} templates, ${report.pairs} pairs`,
    line(header),
    ...rows.map(line),
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

/** Registers `bct eval ijbc`. */
export function registerEvalCommands(program: Command, io: CliIo): void {
  const evaluate = program
    .command('eval')
    .description('evaluate features: IJB-C verification (self, cross and old tests)');
  evaluate
    .command('ijbc')
    .description('IJB-C 1:1 TAR at FAR from image features, as insightface evaluates it')
    .requiredOption(
      '--meta <dir>',
      'directory with ijbc_face_tid_mid.txt, ijbc_name_5pts_score.txt, ijbc_template_pair_label.txt',
    )
    .requiredOption(
      '--features <npy>',
      'new-model features, [images, dim] float32 in meta order, flip-summed',
    )
    .option(
      '--old-features <npy>',
      'old-model features in the same layout: adds the cross (old/new) and old (old/old) tests',
    )
    .option('--no-detector-score', 'do not weight image features by the detector score')
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        meta: string;
        features: string;
        oldFeatures?: string;
        detectorScore: boolean;
        json?: boolean;
      }) => {
        const meta = await readIjbcMeta(options.meta);
        const features = await readNpy(options.features);
        const oldFeatures =
          options.oldFeatures === undefined ? undefined : await readNpy(options.oldFeatures);
        const report = evaluateIjbcVerification({
          meta,
          features,
          oldFeatures,
          detectorScore: options.detectorScore,
          featuresFile: options.features,
          oldFeaturesFile: options.oldFeatures,
        });
        io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatIjbcReport(report));
      },
    );
}
