import { readFile } from 'node:fs/promises';
import type { DatasetSource } from '@bctkit/datasets';
import { InvalidConfigError, readNpy, writeFileAtomic, writeNpy } from '@bctkit/tensor-ops';

/** Shard `i` of `n` of `total` rows: a contiguous range, sizes differing by at most one. */
export function shardRange(
  total: number,
  shard: number,
  of: number,
): { start: number; end: number } {
  if (!Number.isInteger(of) || of < 1 || !Number.isInteger(shard) || shard < 0 || shard >= of)
    throw new InvalidConfigError('--shard', `expected i/N with 0 <= i < N, got ${shard}/${of}`);
  return { start: Math.floor((shard * total) / of), end: Math.floor(((shard + 1) * total) / of) };
}

/** Parses `--shard i/N`. */
export function parseShard(text: string): { shard: number; of: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match === null)
    throw new InvalidConfigError('--shard', `expected i/N (e.g. 0/4), got '${text}'`);
  const shard = Number(match[1]);
  const of = Number(match[2]);
  shardRange(0, shard, of);
  return { shard, of };
}

/** Rows `[start, end)` of a source as a source of their own (indices and labels keep their values). */
export function sliceSource(source: DatasetSource, start: number, end: number): DatasetSource {
  return {
    type: source.type,
    size: end - start,
    numClasses: source.numClasses,
    read: (index) => source.read(start + index),
    labels: async () => (await source.labels()).slice(start, end),
    close: () => source.close(),
    ...(source.locate === undefined
      ? {}
      : { locate: (index: number) => source.locate!(start + index) }),
  };
}

/** What a shard's sidecar file (`<features>.shard.json`) records. */
export interface ShardInfo {
  readonly shard: number;
  readonly of: number;
  readonly start: number;
  readonly end: number;
  readonly total: number;
}

/** Writes the sidecar of a shard's features file. */
export async function writeShardInfo(featuresPath: string, info: ShardInfo): Promise<void> {
  await writeFileAtomic(`${featuresPath}.shard.json`, `${JSON.stringify(info)}\n`);
}

/**
 * Merges the feature shards of one extraction into the full `.npy` and labels file. Refuses a
 * missing or duplicated shard, shards from different splits, and shapes that disagree, naming
 * the files.
 */
export async function mergeFeatureShards(
  shardPaths: readonly string[],
  out: string,
): Promise<{ rows: number; cols: number }> {
  const shards: (ShardInfo & { path: string })[] = [];
  for (const path of shardPaths) {
    let info: ShardInfo;
    try {
      info = JSON.parse(await readFile(`${path}.shard.json`, 'utf8')) as ShardInfo;
    } catch (cause) {
      throw new InvalidConfigError(
        path,
        `no readable shard record ${path}.shard.json: ${(cause as Error).message}`,
      );
    }
    shards.push({ ...info, path });
  }
  if (shards.length === 0) throw new InvalidConfigError('shards', 'no shard files given');
  const { of, total } = shards[0]!;
  const seen = new Map<number, string>();
  for (const shard of shards) {
    if (shard.of !== of || shard.total !== total)
      throw new InvalidConfigError(
        shard.path,
        `is shard ${shard.shard}/${shard.of} of ${shard.total} rows, ${shards[0]!.path} is of ${of} shards of ${total} rows`,
      );
    const other = seen.get(shard.shard);
    if (other !== undefined)
      throw new InvalidConfigError(
        shard.path,
        `shard ${shard.shard}/${of} is given twice (also ${other})`,
      );
    seen.set(shard.shard, shard.path);
  }
  const missing = Array.from({ length: of }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new InvalidConfigError(
      'shards',
      `missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${of}`).join(', ')}`,
    );
  shards.sort((a, b) => a.shard - b.shard);
  const parts = [];
  const labelParts: string[] = [];
  let cols = -1;
  for (const shard of shards) {
    const matrix = await readNpy(shard.path);
    const expected = shardRange(total, shard.shard, of);
    if (matrix.rows !== expected.end - expected.start)
      throw new InvalidConfigError(
        shard.path,
        `has ${matrix.rows} rows, shard ${shard.shard}/${of} of ${total} needs ${expected.end - expected.start}`,
      );
    if (cols >= 0 && matrix.cols !== cols)
      throw new InvalidConfigError(
        shard.path,
        `has ${matrix.cols} columns, the other shards ${cols}`,
      );
    cols = matrix.cols;
    parts.push(matrix);
    labelParts.push(
      (await readFile(`${shard.path.replace(/\.npy$/, '')}.labels.txt`, 'utf8')).trimEnd(),
    );
  }
  const data = new Float32Array(total * cols);
  let offset = 0;
  for (const part of parts) {
    data.set(part.data, offset);
    offset += part.data.length;
  }
  await writeNpy(out, { data, rows: total, cols });
  const labels = labelParts.filter((part) => part.length > 0).join('\n');
  await writeFileAtomic(
    `${out.replace(/\.npy$/, '')}.labels.txt`,
    labels.length > 0 ? `${labels}\n` : '',
  );
  return { rows: total, cols };
}
