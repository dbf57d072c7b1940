import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { InvalidConfigError } from '@bctkit/tensor-ops';
import { z } from 'zod';
import { stageOf } from './stages.js';

/** What one queued job asks a worker to run: a stage's command line for one shard. */
export interface ShardJobData {
  /** The stage's name (`extract`, `ijbc-embed`, `denoise`). */
  readonly stage: string;
  /** The full `bct` command line of this shard, `--shard i/N` and the shard's `--out` included. */
  readonly argv: readonly string[];
  readonly shard: number;
  readonly of: number;
  /** The shard's output file. */
  readonly out: string;
  /** The producer's working directory: relative paths in `argv` are resolved from it. */
  readonly cwd: string;
}

const shardJobSchema = z.object({
  stage: z.string(),
  argv: z.array(z.string()),
  shard: z.number().int().nonnegative(),
  of: z.number().int().positive(),
  out: z.string(),
  cwd: z.string(),
});

/**
 * Checks a job's data before a worker runs it: only the sharded stages run, never an arbitrary
 * `bct` command.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} naming what is wrong.
 */
export function parseShardJob(data: unknown): ShardJobData {
  const parsed = shardJobSchema.safeParse(data);
  if (!parsed.success)
    throw new InvalidConfigError('job', `not a bct shard job: ${parsed.error.message}`);
  const stage = stageOf(parsed.data.argv);
  if (stage.name !== parsed.data.stage)
    throw new InvalidConfigError(
      'job',
      `says stage ${parsed.data.stage} but runs ${stage.command.join(' ')}`,
    );
  return parsed.data;
}

/** How a shard's process ended when it did not succeed. */
export class ShardProcessError extends Error {
  constructor(
    message: string,
    /** Exit code (`bct`'s: 1 bad input, 2 usage, 70 unexpected), or null when killed. */
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
    this.name = 'ShardProcessError';
  }
}

/** Options of {@link runShardProcess}. */
export interface ShardProcessOptions {
  /** The `bct` executable as a command line, e.g. `[process.execPath, '/path/to/bin.js']`. */
  readonly command: readonly string[];
  readonly job: ShardJobData;
  /** Progress the shard reports (done and total of its current stage). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Each non-empty line the shard prints on stdout or stderr. */
  readonly onLine?: (line: string) => void;
  /** Called with the shard process's id once it runs. */
  readonly onStart?: (pid: number) => void;
  /** Aborting kills the shard's process. */
  readonly signal?: AbortSignal;
}

/** Lines kept from the end of a failed shard's output for the job's failure reason. */
const TAIL_LINES = 8;

/**
 * Runs one shard as its own `bct` process (so a crash or a kill costs only this shard, and the
 * worker's event loop stays free to keep its job locks) and resolves when it exits with 0.
 * The process reports progress over an IPC channel and exits if the worker dies.
 * @throws {@link ShardProcessError} with the last lines it printed when it fails.
 */
export function runShardProcess(options: ShardProcessOptions): Promise<void> {
  const [executable, ...prefix] = options.command;
  if (executable === undefined)
    return Promise.reject(new InvalidConfigError('command', 'is empty'));
  if (!existsSync(options.job.cwd))
    return Promise.reject(
      new ShardProcessError(
        `the producer's directory ${options.job.cwd} does not exist here: mount the shared storage at the same path on every worker`,
        null,
        null,
      ),
    );
  return new Promise((resolve, reject) => {
    const child = spawn(executable, [...prefix, ...options.job.argv], {
      cwd: options.job.cwd,
      env: { ...process.env, BCT_SHARD_CHILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const tail: string[] = [];
    const lines = (stream: NodeJS.ReadableStream) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) {
          if (line.trim().length === 0) continue;
          tail.push(line);
          if (tail.length > TAIL_LINES) tail.shift();
          options.onLine?.(line);
        }
      });
    };
    lines(child.stdout!);
    lines(child.stderr!);
    child.on('spawn', () => {
      if (child.pid !== undefined) options.onStart?.(child.pid);
    });
    child.on('message', (message: { type?: string; done?: number; total?: number }) => {
      if (message?.type === 'progress' && typeof message.done === 'number')
        options.onProgress?.(message.done, message.total ?? 0);
    });
    const abort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', abort);
      reject(new ShardProcessError(`cannot start ${executable}: ${error.message}`, null, null));
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', abort);
      if (code === 0) {
        resolve();
        return;
      }
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      // bct's own error lines say why; otherwise the last lines printed.
      const errorLine = tail.findIndex((line) => line.startsWith('bct: '));
      const said = (errorLine >= 0 ? tail.slice(errorLine) : tail)
        .map((line) => line.replace(/^bct: /, ''))
        .join('\n');
      reject(new ShardProcessError(`${how}${said === '' ? '' : `: ${said}`}`, code, signal));
    });
  });
}
