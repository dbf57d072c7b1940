/**
 * The `bct` command line, and the library functions its commands are built on.
 * @packageDocumentation
 * @module @bctkit/cli
 */
export { type InspectReport, inspectRecordSet } from './commands/data.js';
export {
  collectEnvironment,
  type EnvironmentReport,
  formatEnvironment,
} from './commands/env.js';
export { formatIdentificationReport, formatIjbcReport } from './commands/eval.js';
export { type CliIo, processIo } from './io.js';
export { createProgram } from './program.js';
export { createProgress, type ProgressReporter } from './progress.js';
export { runCli } from './run-cli.js';
export { VERSION } from './version.js';
