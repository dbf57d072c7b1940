import { type BackboneSpec, backbones, resolveBackboneConfig } from '@bctkit/backbones';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { positiveNumber } from '../option-parsers.js';
import { formatTable } from '../table.js';

/** One row of `bct models`. */
export interface ModelRow {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly description: string;
  readonly parameters: number;
  /** Multiply-accumulates per image (what insightface's README calls GFLOPs, in units). */
  readonly macs: number;
  /** 2 x MACs: floating-point operations per image. */
  readonly flops: number;
}

/** Sizes of every registered backbone for the given options (defaults: insightface's), smallest first. */
export function listModels(options: Record<string, unknown> = {}): ModelRow[] {
  const rows = backbones.list().map((spec: BackboneSpec) => {
    const { config } = resolveBackboneConfig({ ...options, type: spec.id }, 'options');
    const size = spec.size(config);
    return {
      id: spec.id,
      aliases: spec.aliases ?? [],
      description: spec.description ?? '',
      parameters: size.parameters,
      macs: size.macs,
      flops: 2 * size.macs,
    };
  });
  return rows.sort((a, b) => a.parameters - b.parameters);
}

/** Registers `bct models`. */
export function registerModelsCommand(program: Command, io: CliIo): void {
  program
    .command('models')
    .description('list the backbones with their parameter counts and FLOPs')
    .option('--input-size <pixels>', 'input side (default 112)', positiveNumber())
    .option('--width <multiplier>', 'channel width multiplier (default 1)', positiveNumber())
    .option('--embedding-dim <n>', 'embedding length (default 512)', positiveNumber())
    .option('--json', 'print one JSON array')
    .action(
      (options: { inputSize?: number; width?: number; embeddingDim?: number; json?: boolean }) => {
        const rows = listModels({
          ...(options.inputSize === undefined ? {} : { inputSize: options.inputSize }),
          ...(options.width === undefined ? {} : { widthMultiplier: options.width }),
          ...(options.embeddingDim === undefined ? {} : { embeddingDim: options.embeddingDim }),
        });
        if (options.json) {
          io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const table = formatTable(
          ['backbone', 'aliases', 'params (M)', 'GMACs', 'GFLOPs'],
          rows.map((row) => [
            row.id,
            row.aliases.join(', '),
            (row.parameters / 1e6).toFixed(2),
            (row.macs / 1e9).toFixed(2),
            (row.flops / 1e9).toFixed(2),
          ]),
        );
        io.stdout(
          `${table.join('\n')}\nMACs per image through convolutions and fc (insightface's README calls them GFLOPs); FLOPs = 2 x MACs.\n`,
        );
      },
    );
}
