import { describe, expect, it } from 'vitest';
import { createProgram } from '../program.js';
import { redisConnection } from './redis.js';
import { parseShardJob } from './shard-job.js';
import {
  checkStageArguments,
  optionValue,
  shardOutPath,
  stageOf,
  withOptionValue,
} from './stages.js';

describe('sharded stages', () => {
  it('finds the stage of a command line and refuses the others', () => {
    expect(stageOf(['eval', 'ijbc-embed', '--root', 'r']).name).toBe('ijbc-embed');
    expect(stageOf(['denoise']).name).toBe('denoise');
    expect(() => stageOf(['eval', 'ijbc'])).toThrow(
      /'eval ijbc' does not run in shards; give one of: extract, eval ijbc-embed, denoise/,
    );
  });

  it('names shard files and rewrites --out in both spellings', () => {
    expect(shardOutPath('/data/old.npy', 3, 16)).toBe('/data/old.shard-0003-of-0016.npy');
    expect(shardOutPath('f', 12345, 20000)).toBe('f.shard-12345-of-20000.npy');
    const argv = ['extract', '--out', 'a.npy', '--data', 'd', '--out=b.npy'];
    expect(optionValue(argv, '--out')).toBe('a.npy');
    expect(optionValue(['x', '--', '--out', 'a'], '--out')).toBeUndefined();
    expect(withOptionValue(argv, '--out', 's.npy')).toEqual([
      'extract',
      '--out',
      's.npy',
      '--data',
      'd',
      '--out=s.npy',
    ]);
  });

  it("checks a stage's options with bct's own parser, without running it", async () => {
    await expect(
      checkStageArguments(
        ['extract', '--model', 'm', '--data', 'd', '--out', 'f.npy'],
        createProgram,
      ),
    ).resolves.toMatchObject({ stage: { name: 'extract' }, out: 'f.npy' });
    await expect(
      checkStageArguments(
        ['extract', '--model', 'm', '--data', 'd', '--out', 'f', '--flp'],
        createProgram,
      ),
    ).rejects.toThrow(/extract: unknown option '--flp'/);
    await expect(
      checkStageArguments(
        ['denoise', '--features', 'f', '--labels', 'l', '--out', 'o', '--shard', '0/2'],
        createProgram,
      ),
    ).rejects.toThrow(/bct queue gives each job its own --shard/);
  });

  it('runs only shard jobs of the sharded stages', () => {
    const job = {
      stage: 'denoise',
      argv: ['denoise', '--out', 'x'],
      shard: 0,
      of: 2,
      out: 'x',
      cwd: '/',
    };
    expect(parseShardJob(job)).toEqual(job);
    expect(() => parseShardJob({ ...job, argv: ['train', '--config', 'c'] })).toThrow(
      /'train --config' does not run in shards/,
    );
    expect(() => parseShardJob({ ...job, stage: 'extract' })).toThrow(
      /says stage extract but runs denoise/,
    );
    expect(() => parseShardJob({ ...job, shard: -1 })).toThrow(/not a bct shard job/);
  });

  it('reads Redis URLs', () => {
    expect(redisConnection('redis://127.0.0.1:6390')).toEqual({ host: '127.0.0.1', port: 6390 });
    expect(redisConnection('rediss://user:p%40ss@cache.example:7000/2')).toEqual({
      host: 'cache.example',
      port: 7000,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: {},
    });
    expect(() => redisConnection('http://x')).toThrow(/expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => redisConnection('localhost:6379')).toThrow(/expected a redis:\/\/ or rediss:\/\//);
    expect(() => redisConnection('redis://h/x')).toThrow(
      /the database in 'redis:\/\/h\/x' must be a number/,
    );
  });
});
