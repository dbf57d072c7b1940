import { Command } from 'commander';
import { registerAdaptCommands } from './commands/adapt.js';
import { registerDataCommands } from './commands/data.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEnvCommand } from './commands/env.js';
import { registerEvalCommands } from './commands/eval.js';
import { registerFeatureCommands } from './commands/features.js';
import { registerInitCommand } from './commands/init.js';
import { registerListCommand } from './commands/list.js';
import { registerModelsCommand } from './commands/models.js';
import { registerScaleCommands } from './commands/scale.js';
import { registerTrainingCommands } from './commands/train.js';
import type { CliIo } from './io.js';
import { VERSION } from './version.js';

/** Builds the `bct` command tree, writing through `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('bct')
    .description('Backward-compatible training of embedding models on TensorFlow.js')
    .version(VERSION)
    .showHelpAfterError()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    // Options after a subcommand belong to it (bct queue passes a stage's options through).
    .enablePositionalOptions();
  registerEnvCommand(program, io);
  registerDataCommands(program, io);
  registerEvalCommands(program, io);
  registerModelsCommand(program, io);
  registerListCommand(program, io);
  registerInitCommand(program, io);
  registerTrainingCommands(program, io);
  registerFeatureCommands(program, io);
  registerAdaptCommands(program, io);
  registerScaleCommands(program, io, createProgram);
  registerDemoCommand(program, io);
  return program;
}
