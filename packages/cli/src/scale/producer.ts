import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { InvalidConfigError } from '@bctkit/tensor-ops';
import { Job, Queue } from 'bullmq';
import type { CliIo } from '../io.js';
import { pathExists } from '../path-exists.js';
import { mergeShards } from '../pipelines/shards.js';
import { formatSeconds } from '../progress.js';
import { connected, redactedUrl, redisConnection } from './redis.js';
import { ShardFailedError } from './shard-failed-error.js';
import type { ShardJobData } from './shard-job.js';
import { type ShardedStage, shardOutPath, withOptionValue } from './stages.js';

/** Options of {@link runQueuedStage}. */
export interface QueuedStageOptions {
  readonly redis: string;
  readonly queue: string;
  /** The stage's command line, without `--shard` (e.g. `['extract', '--model', ...]`). */
  readonly argv: readonly string[];
  /** The stage and its `--out`, as {@link checkStageArguments} found them. */
  readonly stage: ShardedStage;
  readonly out: string;
  /** Number of shards, N. */
  readonly shards: number;
  /** Tries per shard before the run fails. Default 3. */
  readonly attempts?: number;
  /** Merge the shards into `out` once all are done. Default true. */
  readonly merge?: boolean;
  readonly io: CliIo;
  /** Aborting stops waiting; the jobs stay queued and a re-run picks them up. */
  readonly signal?: AbortSignal;
  /** How often to look at the jobs (ms). Default 1000. */
  readonly pollMs?: number;
  /** Working directory the workers resolve relative paths from. Default `process.cwd()`. */
  readonly cwd?: string;
}

/** What a queued stage produced. */
export interface QueuedStageResult {
  readonly shardPaths: readonly string[];
  /** The merged file's shape, unless `merge` was false. */
  readonly merged?: { readonly rows: number; readonly cols: number };
  /** Whether the run stopped on `signal` before every shard was done. */
  readonly interrupted: boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        done();
      },
      { once: true },
    );
  });

/**
 * Enqueues the N shards of a stage on a BullMQ queue, shows the overall progress the workers
 * report, and merges the shards when all are done, then removes the run's jobs. Job ids derive
 * from the command line, so running the same command again after a failure or an interruption
 * resumes: finished shards are kept, failed ones are retried, queued ones are waited for.
 * @throws {@link ShardFailedError} when a shard failed on every attempt, with its reason.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} when Redis cannot be reached.
 */
export async function runQueuedStage(options: QueuedStageOptions): Promise<QueuedStageResult> {
  const { io, stage, shards: of } = options;
  const cwd = options.cwd ?? process.cwd();
  const attempts = options.attempts ?? 3;
  const key = createHash('sha256')
    .update(JSON.stringify({ argv: options.argv, of, cwd }))
    .digest('hex')
    .slice(0, 16);
  const queue = new Queue(options.queue, { connection: redisConnection(options.redis) });
  queue.on('error', () => undefined);
  try {
    await connected(queue, options.redis);
    const jobs: { id: string; data: ShardJobData }[] = Array.from({ length: of }, (_, shard) => {
      const out = shardOutPath(options.out, shard, of);
      return {
        id: `${stage.name}-${key}-${shard}`,
        data: {
          stage: stage.name,
          argv: [...withOptionValue(options.argv, '--out', out), '--shard', `${shard}/${of}`],
          shard,
          of,
          out,
          cwd,
        },
      };
    });
    const keep = { age: 7 * 24 * 3600 };
    // A shard finished by an earlier run counts only if its file is still there.
    for (const { id, data } of jobs) {
      const earlier = await Job.fromId(queue, id);
      if (earlier === undefined) continue;
      const state = await earlier.getState();
      if (state === 'completed' && !(await pathExists(resolve(cwd, `${data.out}.shard.json`))))
        await earlier.remove();
      else if (state === 'failed') {
        io.stderr(`queue: retrying ${stage.name} shard ${data.shard}/${of} (it failed before)\n`);
        await earlier.retry('failed', { resetAttemptsMade: true });
      }
    }
    await queue.addBulk(
      jobs.map(({ id, data }) => ({
        name: stage.name,
        data,
        opts: {
          jobId: id,
          attempts,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: keep,
          removeOnFail: keep,
        },
      })),
    );
    io.stderr(
      `queue: ${of} ${stage.name} shards on '${options.queue}' at ${redactedUrl(options.redis)}; start workers with: bct worker --redis <url> --queue ${options.queue}\n`,
    );

    const started = Date.now();
    let lastLine = '';
    let lastPrint = 0;
    for (;;) {
      const states = await Promise.all(
        jobs.map(async ({ id }) => {
          const job = await Job.fromId(queue, id);
          if (job === undefined) return { state: 'missing', fraction: 0, job };
          const state = await job.getState();
          const progress = job.progress as { done?: number; total?: number } | number;
          const fraction =
            state === 'completed'
              ? 1
              : typeof progress === 'object' && progress.total
                ? (progress.done ?? 0) / progress.total
                : 0;
          return { state, fraction, job };
        }),
      );
      const failed = states.findIndex(({ state }) => state === 'failed');
      if (failed >= 0) {
        const job = states[failed]!.job!;
        throw new ShardFailedError(stage.name, failed, of, job.failedReason, job.attemptsMade);
      }
      const missing = states.findIndex(({ state }) => state === 'missing');
      if (missing >= 0)
        throw new InvalidConfigError(
          stage.name,
          `the job of shard ${missing}/${of} disappeared from the queue (was it removed or the queue obliterated?)`,
        );
      const done = states.filter(({ state }) => state === 'completed').length;
      const active = states.filter(({ state }) => state === 'active').length;
      const fraction = states.reduce((sum, { fraction }) => sum + fraction, 0) / of;
      const seconds = (Date.now() - started) / 1000;
      const eta =
        fraction > 0 && done < of ? formatSeconds((seconds * (1 - fraction)) / fraction) : '?';
      const line = `queue ${stage.name}: ${done}/${of} shards done, ${active} running, ${(100 * fraction).toFixed(1)}%${done < of ? `, ETA ${eta}` : ''}`;
      if (done === of || (line !== lastLine && Date.now() - lastPrint >= 2000)) {
        io.stderr(`${line}\n`);
        lastLine = line;
        lastPrint = Date.now();
      }
      if (done === of) break;
      if (options.signal?.aborted) {
        io.stderr(
          `queue: stopped waiting; the shards stay queued for the workers. Run the same command again to wait and merge.\n`,
        );
        return { shardPaths: jobs.map(({ data }) => resolve(cwd, data.out)), interrupted: true };
      }
      await sleep(options.pollMs ?? 1000, options.signal);
    }
    const shardPaths = jobs.map(({ data }) => resolve(cwd, data.out));
    const merged =
      options.merge === false
        ? undefined
        : await mergeShards(shardPaths, resolve(cwd, options.out));
    for (const warning of merged?.warnings ?? []) io.stderr(`queue: warning: ${warning}\n`);
    // Done: the run's jobs go, so running the command again computes afresh (new weights at the
    // same model path are not mistaken for the old ones).
    await Promise.all(jobs.map(async ({ id }) => (await Job.fromId(queue, id))?.remove()));
    return {
      shardPaths,
      ...(merged === undefined ? {} : { merged: { rows: merged.rows, cols: merged.cols } }),
      interrupted: false,
    };
  } finally {
    await queue.close();
  }
}
