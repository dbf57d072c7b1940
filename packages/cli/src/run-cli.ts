import { BctkitError } from '@bctkit/tensor-ops';
import { CommanderError } from 'commander';
import { ExitRequest } from './exit-request.js';
import { type CliIo, processIo } from './io.js';
import { createProgram } from './program.js';

/**
 * Runs `bct` with the given arguments (without `node` and the script path) and returns the exit
 * code: 0 on success, 1 for a bctkit error (its message printed, no stack), 2 for a usage error,
 * 130 when `bct train` was interrupted (Ctrl-C) and checkpointed, 70 for an unexpected failure (with
 * its stack).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitRequest) return error.code;
    if (error instanceof CommanderError) {
      // Help and --version also end through here, with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (BctkitError.isInstance(error)) {
      io.stderr(`bct: ${error.message}\n`);
      return 1;
    }
    io.stderr(
      `bct: unexpected failure\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 70;
  }
}
