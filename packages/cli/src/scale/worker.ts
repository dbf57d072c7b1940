import { hostname } from 'node:os';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { CliIo } from '../io.js';
import { connected, redactedUrl, redisConnection } from './redis.js';
import { parseShardJob, runShardProcess, ShardProcessError } from './shard-job.js';

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** `redis://host:port[/db]`. */
  readonly redis: string;
  /** Queue name; the producer's `--queue`. */
  readonly queue: string;
  /** Shards this worker runs at once, each in its own process. Default 1. */
  readonly concurrency?: number;
  /**
   * How long (ms) a job stays locked to this worker without a renewal. A worker that dies
   * loses its jobs to the others this long after (BullMQ's stalled-job check). Default 30000.
   */
  readonly lockDuration?: number;
  /** The `bct` executable as a command line, e.g. `[process.execPath, '/path/to/bin.js']`. */
  readonly command: readonly string[];
  readonly io: CliIo;
  /** The worker's name in logs and in BullMQ (default `host:pid`). */
  readonly name?: string;
  /**
   * Aborting stops taking shards and waits for the running ones; see `force`.
   */
  readonly signal?: AbortSignal;
  /** Aborting this kills the running shards too: BullMQ gives them to other workers. */
  readonly force?: AbortSignal;
}

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/**
 * Runs a BullMQ worker that takes `bct` shard jobs from the queue and runs each as a `bct`
 * process until `signal` aborts. Failed shards are retried by BullMQ (the producer sets the
 * attempts); a usage error is not retried. Resolves once the worker has closed.
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const { io } = options;
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const lockDuration = options.lockDuration ?? 30_000;
  const running = new Set<AbortController>();
  const processor = async (job: Job) => {
    let data: ReturnType<typeof parseShardJob>;
    try {
      data = parseShardJob(job.data);
    } catch (error) {
      // Not a job this worker may run: retrying cannot help.
      io.stderr(`worker ${name}: refused job ${job.id}: ${(error as Error).message}\n`);
      throw new UnrecoverableError((error as Error).message);
    }
    const label = `${data.stage} shard ${data.shard}/${data.of}`;
    const started = Date.now();
    const kill = new AbortController();
    running.add(kill);
    let lastSent = 0;
    try {
      await runShardProcess({
        command: options.command,
        job: data,
        signal: kill.signal,
        onStart: (pid) =>
          io.stderr(
            `worker ${name}: ${label} started (attempt ${job.attemptsMade + 1}, pid ${pid})\n`,
          ),
        onLine: (line) => io.stderr(`  [${label}] ${line}\n`),
        onProgress: (done, total) => {
          // At most twice a second, and always the final count.
          if (done < total && Date.now() - lastSent < 500) return;
          lastSent = Date.now();
          job.updateProgress({ done, total }).catch(() => undefined);
        },
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`worker ${name}: ${label} failed after ${elapsed(started)}: ${message}\n`);
      // A usage error fails the same way everywhere: do not retry it.
      if (error instanceof ShardProcessError && error.code === 2)
        throw new UnrecoverableError(message);
      throw error;
    } finally {
      running.delete(kill);
    }
    io.stderr(`worker ${name}: ${label} done in ${elapsed(started)}: ${data.out}\n`);
    return { out: data.out, seconds: (Date.now() - started) / 1000, worker: name };
  };
  const worker = new Worker(options.queue, processor, {
    connection: redisConnection(options.redis),
    concurrency: options.concurrency ?? 1,
    lockDuration,
    stalledInterval: Math.min(lockDuration, 30_000),
    maxStalledCount: 2,
    name,
    autorun: false,
  });
  worker.on('error', (error) => io.stderr(`worker ${name}: ${error.message}\n`));
  try {
    await connected(worker, options.redis);
  } catch (error) {
    await worker.close(true);
    throw error;
  }
  io.stderr(
    `worker ${name}: taking shards from queue '${options.queue}' at ${redactedUrl(options.redis)}, ${options.concurrency ?? 1} at a time\n`,
  );
  const runLoop = worker.run();
  const stop = () => {
    io.stderr(`worker ${name}: finishing the running shards, taking no more\n`);
    void worker.close();
  };
  const forceStop = () => {
    io.stderr(`worker ${name}: stopping the running shards; other workers will retry them\n`);
    for (const kill of running) kill.abort();
    void worker.close(true);
  };
  if (options.signal?.aborted) stop();
  else options.signal?.addEventListener('abort', stop, { once: true });
  options.force?.addEventListener('abort', forceStop, { once: true });
  try {
    await runLoop;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    options.force?.removeEventListener('abort', forceStop);
  }
  io.stderr(`worker ${name}: stopped\n`);
}
