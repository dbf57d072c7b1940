import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackbone, saveCheckpoint } from '@bctkit/backbones';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltIsCurrent, type RunningProcess, startBct } from '../testing/built-cli.js';
import { findRedisServer, startRedis, type TestRedis } from '../testing/redis-server.js';
import { until } from '../testing/until.js';
import { redisConnection } from './redis.js';

// End to end with real processes: a redis-server, `bct queue` (the producer) and two
// `bct worker` processes of the built CLI, one of them killed in the middle of a shard.
const redisBinary = findRedisServer();
if (redisBinary === undefined && process.env.BCTKIT_EXPECT_REDIS === '1')
  throw new Error('BCTKIT_EXPECT_REDIS=1 but redis-server is not on PATH');

const bct = startBct;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(redisBinary === undefined)('bct queue / bct worker on Redis', () => {
  let redis: TestRedis;
  let work: string;
  const workers: RunningProcess[] = [];
  beforeAll(async () => {
    await assertBuiltIsCurrent();
    redis = await startRedis(redisBinary!);
    work = await mkdtemp(join(tmpdir(), 'bctkit-scale-'));
    const model = createBackbone({
      type: 'iresnet-18',
      inputSize: 64,
      widthMultiplier: 0.25,
      embeddingDim: 16,
      inputChannels: 1,
      seed: 11,
    });
    await saveCheckpoint(join(work, 'model'), model);
    model.dispose();
    await writeFile(
      join(work, 'data.json'),
      JSON.stringify({
        type: 'synthetic',
        classes: 16,
        imagesPerClass: 25,
        height: 64,
        width: 64,
        channels: 1,
      }),
    );
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await redis?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('two workers, one killed mid-shard: the merged features equal one process bit for bit', async () => {
    const stage = [
      'extract',
      '--model',
      'model',
      '--data',
      'data.json',
      '--batch-size',
      '8',
      '--backend',
      'cpu',
    ];
    const single = bct([...stage, '--out', 'single.npy'], work);
    expect(await single.exited, single.output).toBe(0);

    const queueName = 'scale-test';
    const workerArgs = [
      'worker',
      '--redis',
      redis.url,
      '--queue',
      queueName,
      '--lock-duration',
      '2000',
    ];
    const [a, b] = [
      bct([...workerArgs, '--name', 'A'], work),
      bct([...workerArgs, '--name', 'B'], work),
    ];
    workers.push(a, b);
    await until('both workers', () =>
      a.output.includes('taking shards') && b.output.includes('taking shards') ? true : undefined,
    );
    const producer = bct(
      [
        'queue',
        '--redis',
        redis.url,
        '--queue',
        queueName,
        '--shards',
        '4',
        ...stage,
        '--out',
        'merged.npy',
      ],
      work,
    );

    // Kill worker A once its shard has reported progress, before the shard is written.
    const [, shardText, pid] = await until('worker A to start a shard', () => {
      const match = /worker A: extract shard (\d+)\/4 started \(attempt 1, pid (\d+)\)/.exec(
        a.output,
      );
      return match ?? undefined;
    });
    const shard = Number(shardText);
    const queue = new Queue(queueName, { connection: redisConnection(redis.url) });
    try {
      await until("progress on worker A's shard", async () => {
        const active = await queue.getActive();
        const job = active.find((candidate) => candidate.data.shard === shard);
        const progress = job?.progress as { done?: number; total?: number } | undefined;
        return progress?.done !== undefined && progress.done > 0 && progress.done < progress.total!
          ? true
          : undefined;
      });
      a.child.kill('SIGKILL');
      await a.exited;
      // The shard's own process notices its worker is gone and exits: no orphan.
      await until(
        "the killed worker's shard process to exit",
        () => (alive(Number(pid)) ? undefined : true),
        10_000,
      );
      expect((await readdir(work)).filter((file) => file.includes(`shard-000${shard}`))).toEqual(
        [],
      );

      expect(await producer.exited, producer.output).toBe(0);
      // A finished run leaves no jobs behind: running it again computes afresh.
      const counts = await queue.getJobCounts('completed', 'failed', 'wait', 'active', 'delayed');
      expect(
        Object.values(counts).every((count) => count === 0),
        JSON.stringify(counts),
      ).toBe(true);
    } finally {
      await queue.close();
    }
    expect(b.output).toMatch(new RegExp(`worker B: extract shard ${shard}/4 done`));
    expect(producer.output).toMatch(/400 x 16 extract rows from 4 shards: merged\.npy/);
    expect(producer.output).toMatch(/queue extract: 4\/4 shards done/);
    const [merged, reference] = await Promise.all([
      readFile(join(work, 'merged.npy')),
      readFile(join(work, 'single.npy')),
    ]);
    expect(merged.equals(reference)).toBe(true);
    expect(await readFile(join(work, 'merged.labels.txt'), 'utf8')).toBe(
      await readFile(join(work, 'single.labels.txt'), 'utf8'),
    );
  }, 180_000);

  it('reports a shard that fails on every attempt with its reason, and resumes once fixed', async () => {
    const command = [
      'queue',
      '--redis',
      redis.url,
      '--queue',
      'scale-test',
      '--shards',
      '2',
      '--attempts',
      '2',
      'extract',
      '--model',
      'late-model',
      '--data',
      'data.json',
      '--batch-size',
      '8',
      '--out',
      'late.npy',
      '--backend',
      'cpu',
    ];
    const failing = bct(command, work);
    expect(await failing.exited).toBe(1);
    expect(failing.output).toMatch(
      /extract shard \d\/2 failed after 2 attempt\(s\): exit code 1: late-model: cannot read the model/,
    );
    expect(failing.output).toMatch(/run the same bct queue command again/);
    // Fixed (the model is there now), the same command retries the failed shards and merges.
    await cp(join(work, 'model'), join(work, 'late-model'), { recursive: true });
    const resumed = bct(command, work);
    expect(await resumed.exited, resumed.output).toBe(0);
    expect(resumed.output).toMatch(/queue: retrying extract shard \d\/2 \(it failed before\)/);
    expect(
      (await readFile(join(work, 'late.npy'))).equals(await readFile(join(work, 'single.npy'))),
    ).toBe(true);

    const typo = bct(
      [
        'queue',
        '--redis',
        redis.url,
        '--shards',
        '2',
        'extract',
        '--model',
        'm',
        '--data',
        'data.json',
      ],
      work,
    );
    // A stage's usage error, caught before enqueueing: exit 2 like any usage error.
    expect(await typo.exited).toBe(2);
    expect(typo.output).toMatch(/extract: required option '--out <npy>' not specified/);
    const noRedis = bct(
      [
        'queue',
        '--redis',
        'redis://127.0.0.1:1',
        '--shards',
        '2',
        'extract',
        '--model',
        'm',
        '--data',
        'data.json',
        '--out',
        'x.npy',
      ],
      work,
    );
    expect(await noRedis.exited).toBe(1);
    expect(noRedis.output).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  }, 120_000);
});
