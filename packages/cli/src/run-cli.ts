import { CommanderError } from 'commander';
import { describeFailure } from './errors/describe-failure.js';
import { ExitRequest } from './exit-request.js';
import { type CliIo, processIo } from './io.js';
import { removeCreatedDirectories } from './outputs.js';
import { createProgram } from './program.js';

/**
 * Runs `bct` with the given arguments (without `node` and the script path) and returns the exit
 * code, following the error contract (`apps/docs/reference/errors.md`): 0 on success; 1 for bad
 * input or data, one line naming the file, option or config path, no stack; 2 for a usage error;
 * 130 / 143 when a run was interrupted by SIGINT / SIGTERM after writing a checkpoint; 70 only for
 * a bug in bctkit, with its stack and a request to report it.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  let failed = true;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    failed = false;
    return 0;
  } catch (error) {
    if (error instanceof ExitRequest) return error.code;
    if (error instanceof CommanderError) {
      // Help and --version also end through here, with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    const failure = describeFailure(error);
    io.stderr(failure.text);
    return failure.exitCode;
  } finally {
    // A failed command leaves no empty output folders behind.
    await removeCreatedDirectories(failed);
  }
}
