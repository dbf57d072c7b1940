import type { CliIo } from '../io.js';
import { runCli } from '../run-cli.js';

/** What an in-process `bct` run printed, and its exit code. */
export interface BctRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bct` in-process with the given arguments, capturing what it prints (for tests). */
export async function runBct(...argv: string[]): Promise<BctRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
