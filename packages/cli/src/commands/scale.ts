import type { Command } from 'commander';
import { ExitRequest } from '../exit-request.js';
import type { CliIo } from '../io.js';
import { positiveInteger } from '../option-parsers.js';
import { runQueuedStage } from '../scale/producer.js';
import { DEFAULT_REDIS_URL } from '../scale/redis.js';
import { checkStageArguments, SHARDED_STAGES } from '../scale/stages.js';
import { runWorker } from '../scale/worker.js';

const redisDefault = () => process.env.BCT_REDIS_URL ?? DEFAULT_REDIS_URL;

/**
 * Registers `bct queue` (the producer) and `bct worker`.
 * @param createProgram builds a fresh command tree, to check a stage's arguments without running it.
 */
export function registerScaleCommands(
  program: Command,
  io: CliIo,
  createProgram: (io: CliIo) => Command,
): void {
  program
    .command('queue')
    .description(
      `run a long stage as N shards on BullMQ (Redis) workers, show their progress, and merge the result; stages: ${SHARDED_STAGES.map((stage) => stage.command.join(' ')).join(', ')}`,
    )
    .usage('--shards <N> [options] <stage command line...>')
    .argument(
      '<stage...>',
      'the stage as you would run it alone, e.g. extract --model m --data d.json --out f.npy',
    )
    .requiredOption('--shards <N>', 'number of shards', positiveInteger())
    .option('--redis <url>', 'Redis URL (default $BCT_REDIS_URL or redis://127.0.0.1:6379)')
    .option('--queue <name>', 'BullMQ queue name', 'bct')
    .option('--attempts <n>', 'tries per shard before the run fails', positiveInteger(), 3)
    .option('--no-merge', 'leave the shard files; merge later with bct merge')
    .passThroughOptions()
    .action(
      async (
        argv: string[],
        options: {
          shards: number;
          redis?: string;
          queue: string;
          attempts: number;
          merge: boolean;
        },
      ) => {
        const { stage, out } = await checkStageArguments(argv, createProgram);
        const stop = new AbortController();
        const onInterrupt = () => stop.abort();
        process.once('SIGINT', onInterrupt);
        try {
          const result = await runQueuedStage({
            redis: options.redis ?? redisDefault(),
            queue: options.queue,
            argv,
            stage,
            out,
            shards: options.shards,
            attempts: options.attempts,
            merge: options.merge,
            io,
            signal: stop.signal,
          });
          if (result.interrupted) throw new ExitRequest(130);
          io.stdout(
            result.merged === undefined
              ? `${result.shardPaths.length} ${stage.name} shards done:\n${result.shardPaths.join('\n')}\n`
              : `${result.merged.rows} x ${result.merged.cols} ${stage.name} rows from ${result.shardPaths.length} shards: ${out}\n`,
          );
        } finally {
          process.removeListener('SIGINT', onInterrupt);
        }
      },
    );

  program
    .command('worker')
    .description(
      'take shards queued by bct queue and run them, each as its own bct process, until stopped (Ctrl-C: finish the running shards; twice: stop now)',
    )
    .option('--redis <url>', 'Redis URL (default $BCT_REDIS_URL or redis://127.0.0.1:6379)')
    .option('--queue <name>', 'BullMQ queue name', 'bct')
    .option('--concurrency <n>', 'shards at once', positiveInteger(), 1)
    .option(
      '--lock-duration <ms>',
      'how soon (ms) other workers take over the shards of a worker that died (default 30000)',
      positiveInteger(),
      30_000,
    )
    .option('--name <name>', "this worker's name in logs (default host:pid)")
    .action(
      async (options: {
        redis?: string;
        queue: string;
        concurrency: number;
        lockDuration: number;
        name?: string;
      }) => {
        const stop = new AbortController();
        const force = new AbortController();
        const onSignal = () => (stop.signal.aborted ? force.abort() : stop.abort());
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          await runWorker({
            redis: options.redis ?? redisDefault(),
            queue: options.queue,
            concurrency: options.concurrency,
            lockDuration: options.lockDuration,
            // Each shard runs as this same bct executable, with the same Node flags.
            command: [process.execPath, ...process.execArgv, process.argv[1]!],
            io,
            ...(options.name === undefined ? {} : { name: options.name }),
            signal: stop.signal,
            force: force.signal,
          });
        } finally {
          process.removeListener('SIGINT', onSignal);
          process.removeListener('SIGTERM', onSignal);
        }
      },
    );
}
