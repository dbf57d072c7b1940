/** Where a command writes; the real process streams by default, buffers in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Structured progress of a long stage, when someone listens for it (a `bct worker` running this
   * process as a shard). Progress reporters send updates here instead of printing them.
   */
  progress?(label: string, done: number, total: number): void;
}

/** {@link CliIo} bound to `process.stdout` / `process.stderr`. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
