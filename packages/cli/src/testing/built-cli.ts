import { type ChildProcess, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertBuiltAfterSources } from '@bctkit/test-utils';

const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));

/** The built `bct` (`packages/cli/dist/bin.js`), which tests run as separate processes. */
export const builtBin = join(packageDirectory, 'dist', 'bin.js');

/**
 * Fails unless the built CLI exists and is newer than every non-test source file of every
 * package (`pnpm test` builds first; a lone `vitest run` may not have).
 */
export async function assertBuiltIsCurrent(): Promise<void> {
  const packagesDirectory = join(packageDirectory, '..');
  const trees = (await readdir(packagesDirectory)).map((name) => ({
    root: join(packagesDirectory, name, 'src'),
    isSource: (file: string) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
  }));
  await assertBuiltAfterSources(builtBin, trees, 'pnpm build');
}

/** A process of the built CLI (or a shell), with everything it printed so far. */
export interface RunningProcess {
  readonly child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** Starts a process, collecting its output. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): RunningProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running: RunningProcess = {
    child,
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  const append = (chunk: Buffer) => {
    running.output += chunk.toString();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  return running;
}

/** Starts the built `bct` with `args` in `cwd`. */
export function startBct(args: readonly string[], cwd: string): RunningProcess {
  return startProcess(process.execPath, [builtBin, ...args], { cwd });
}
