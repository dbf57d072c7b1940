import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy } from '@bctkit/tensor-ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeShards, type ShardInfo, shardRange, writeShardInfo } from './shards.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bctkit-shards-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('shardRange', () => {
  it('splits rows evenly, or in whole batches with align (hand-worked)', () => {
    expect([0, 1, 2].map((i) => shardRange(10, i, 3))).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 6 },
      { start: 6, end: 10 },
    ]);
    // 100 rows in batches of 8: 13 batches (the last of 4 rows) over 4 shards: 3, 3, 3, 4 batches.
    expect([0, 1, 2, 3].map((i) => shardRange(100, i, 4, 8))).toEqual([
      { start: 0, end: 24 },
      { start: 24, end: 48 },
      { start: 48, end: 72 },
      { start: 72, end: 100 },
    ]);
    // More shards than batches: some are empty, and they still tile the rows.
    expect([0, 1, 2, 3].map((i) => shardRange(20, i, 4, 16))).toEqual([
      { start: 0, end: 0 },
      { start: 0, end: 16 },
      { start: 16, end: 16 },
      { start: 16, end: 20 },
    ]);
  });
});

describe('mergeShards', () => {
  /** Writes shard files of the given rows (values = row numbers) with their records. */
  async function shardFiles(
    name: string,
    ranges: readonly [number, number][],
    options: { labels?: boolean; info?: (i: number) => Partial<ShardInfo> } = {},
  ): Promise<string[]> {
    const total = ranges.at(-1)![1];
    const paths: string[] = [];
    for (const [i, [start, end]] of ranges.entries()) {
      const path = join(work, `${name}-${i}.npy`);
      const rows = end - start;
      const data = Float32Array.from({ length: rows * 2 }, (_, k) => start + Math.floor(k / 2));
      await writeNpy(path, { data, rows, cols: 2 });
      if (options.labels !== false)
        await writeFile(
          join(work, `${name}-${i}.labels.txt`),
          Array.from({ length: rows }, (_, r) => `${start + r}\n`).join(''),
        );
      await writeShardInfo(path, {
        stage: 'extract',
        shard: i,
        of: ranges.length,
        start,
        end,
        total,
        ...options.info?.(i),
      });
      paths.push(path);
    }
    return paths;
  }

  it('joins the shards in shard order, whatever order they are given in', async () => {
    const paths = await shardFiles('ok', [
      [0, 3],
      [3, 3],
      [3, 5],
    ]);
    const out = join(work, 'ok.npy');
    expect(await mergeShards(paths.toReversed(), out)).toEqual({
      rows: 5,
      cols: 2,
      stage: 'extract',
      warnings: [],
    });
    expect([...(await readNpy(out)).data]).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('warns when the shards were computed by different kinds of machine, and merges anyway', async () => {
    const mixed = await shardFiles(
      'mixed',
      [
        [0, 2],
        [2, 3],
        [3, 5],
      ],
      { info: (i) => ({ compute: i === 1 ? 'cpu, JavaScript kernels' : 'cpu, native kernels' }) },
    );
    const merged = await mergeShards(mixed, join(work, 'mixed.npy'));
    expect(merged.warnings).toEqual([
      "the shards were computed by different kinds of machine (cpu, native kernels: shards 0, 2; cpu, JavaScript kernels: shard 1); the merged result differs from a single run's at float rounding",
    ]);
    expect((await readNpy(join(work, 'mixed.npy'))).rows).toBe(5);
  });

  it('refuses rows that do not tile, a wrong row count, and labels on some shards only, writing nothing', async () => {
    const gap = await shardFiles('gap', [
      [0, 2],
      [2, 4],
    ]);
    await writeShardInfo(gap[1]!, {
      stage: 'extract',
      shard: 1,
      of: 2,
      start: 3,
      end: 4,
      total: 4,
    });
    await expect(mergeShards(gap, join(work, 'gap.npy'))).rejects.toThrow(
      /gap-1\.npy: holds rows 3 to 4, the shard before it ended at row 2/,
    );
    const short = await shardFiles('short', [
      [0, 2],
      [2, 4],
    ]);
    await writeShardInfo(short[1]!, {
      stage: 'extract',
      shard: 1,
      of: 2,
      start: 2,
      end: 5,
      total: 5,
    });
    await expect(mergeShards(short, join(work, 'short.npy'))).rejects.toThrow(
      /short-1\.npy: is extract shard 1\/2 of 5 rows/,
    );
    const rows = await shardFiles('rows', [
      [0, 2],
      [2, 4],
    ]);
    await writeNpy(rows[1]!, { data: new Float32Array(6), rows: 3, cols: 2 });
    await expect(mergeShards(rows, join(work, 'rows.npy'))).rejects.toThrow(
      /rows-1\.npy: has 3 rows, its record says rows 2 to 4/,
    );
    const labels = await shardFiles('labels', [
      [0, 2],
      [2, 4],
    ]);
    await rm(join(work, 'labels-1.labels.txt'));
    await expect(mergeShards(labels, join(work, 'labels.npy'))).rejects.toThrow(
      /labels-1\.npy: has no labels file, .*labels-0\.npy has one/,
    );
    await rm(`${labels[0]!}.shard.json`);
    await expect(mergeShards(labels, join(work, 'labels.npy'))).rejects.toThrow(
      /labels-0\.npy: no shard record .*labels-0\.npy\.shard\.json \(no such file or directory\)/,
    );
    const written = await readdir(work);
    for (const name of ['gap.npy', 'short.npy', 'rows.npy', 'labels.npy'])
      expect(written).not.toContain(name);
  });
});
