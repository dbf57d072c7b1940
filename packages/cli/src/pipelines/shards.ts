import { readFile } from 'node:fs/promises';
import type { DatasetSource } from '@bctkit/datasets';
import {
  cpuKernelStatus,
  DatasetFormatError,
  failureReason,
  type HostMatrix,
  InvalidConfigError,
  NpyFile,
  writeFileAtomic,
  writeNpy,
} from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from '../errors/usage-error.js';
import { pathExists } from '../path-exists.js';

/**
 * Shard `i` of `n` of `total` rows: a contiguous range. With `align` (the batch size), every
 * boundary but the last is a multiple of it, so a shard's batches are exactly the batches a
 * single run would make, and the merged result equals a single run bit for bit.
 */
export function shardRange(
  total: number,
  shard: number,
  of: number,
  align = 1,
): { start: number; end: number } {
  if (!Number.isInteger(of) || of < 1 || !Number.isInteger(shard) || shard < 0 || shard >= of)
    throw new UsageError('--shard', `expected i/N with 0 <= i < N, got ${shard}/${of}`);
  const units = Math.ceil(total / align);
  const boundary = (index: number) => Math.min(total, Math.floor((index * units) / of) * align);
  return { start: boundary(shard), end: boundary(shard + 1) };
}

/** Parses `--shard i/N`. */
export function parseShard(text: string): { shard: number; of: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match === null) throw new UsageError('--shard', `expected i/N (e.g. 0/4), got '${text}'`);
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

/** What a shard's sidecar file (`<out>.shard.json`) records. */
export interface ShardInfo {
  /** The stage that wrote it: `extract`, `ijbc-embed` or `denoise`. */
  readonly stage: string;
  readonly shard: number;
  readonly of: number;
  /** The rows of the whole result this shard holds, `[start, end)`. */
  readonly start: number;
  readonly end: number;
  /** Rows of the whole result. */
  readonly total: number;
  /**
   * What computed it, for stages whose floats depend on it (`cpu, native kernels`,
   * `cpu, JavaScript kernels`, `tensorflow`, ...): see {@link computeKind}.
   */
  readonly compute?: string;
}

/**
 * The kind of machine computing model outputs here: the tfjs backend and, on `cpu`, whether
 * bctkit's kernels are native. Shards computed by different kinds differ at float rounding.
 */
export function computeKind(): string {
  const backend = tf.getBackend();
  if (backend !== 'cpu') return backend;
  return cpuKernelStatus().native.length > 0 ? 'cpu, native kernels' : 'cpu, JavaScript kernels';
}

/** `features.npy` becomes `features.labels.txt`. */
export function labelsPath(npyPath: string): string {
  return `${npyPath.replace(/\.npy$/, '')}.labels.txt`;
}

/** Writes the sidecar of a shard's output file. */
export async function writeShardInfo(outPath: string, info: ShardInfo): Promise<void> {
  await writeFileAtomic(`${outPath}.shard.json`, `${JSON.stringify(info)}\n`);
}

/** Reads the sidecar of a shard's output file, or says why it cannot. */
export async function readShardInfo(outPath: string): Promise<ShardInfo> {
  const path = `${outPath}.shard.json`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InvalidConfigError(
      outPath,
      `no shard record ${path} (${failureReason(cause)}): is it an output of a sharded stage (--shard i/N)?`,
      { cause },
    );
  }
  let info: Partial<ShardInfo>;
  try {
    info = JSON.parse(text) as Partial<ShardInfo>;
  } catch (cause) {
    throw new DatasetFormatError(path, undefined, `not JSON: ${(cause as Error).message}`);
  }
  for (const key of ['shard', 'of', 'start', 'end', 'total'] as const)
    if (!Number.isInteger(info[key]))
      throw new DatasetFormatError(path, undefined, `'${key}' is missing or not an integer`);
  return { stage: 'extract', ...info } as ShardInfo;
}

/**
 * Merges the shards of one sharded stage (`bct extract`, `bct eval ijbc-embed`, `bct denoise`
 * with `--shard`) into the whole `.npy`, and the labels files when the shards have them.
 * Refuses a missing or repeated shard, shards of different runs or stages, rows that do not
 * tile the whole, and shapes that disagree, naming the files. Writes nothing on refusal. Warns
 * (in `warnings`) when the shards were computed by different kinds of machine.
 */
export async function mergeShards(
  shardPaths: readonly string[],
  out: string,
): Promise<{ rows: number; cols: number; stage: string; warnings: string[] }> {
  if (shardPaths.length === 0) throw new InvalidConfigError('shards', 'no shard files given');
  const shards: (ShardInfo & { path: string })[] = [];
  for (const path of shardPaths) shards.push({ ...(await readShardInfo(path)), path });
  const { of, total, stage } = shards[0]!;
  const seen = new Map<number, string>();
  for (const shard of shards) {
    if (shard.of !== of || shard.total !== total || shard.stage !== stage)
      throw new InvalidConfigError(
        shard.path,
        `is ${shard.stage} shard ${shard.shard}/${shard.of} of ${shard.total} rows, ${shards[0]!.path} is ${stage} of ${of} shards of ${total} rows`,
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
  let next = 0;
  for (const shard of shards) {
    if (shard.start !== next || shard.end < shard.start)
      throw new InvalidConfigError(
        shard.path,
        `holds rows ${shard.start} to ${shard.end}, the shard before it ended at row ${next}`,
      );
    next = shard.end;
  }
  if (next !== total)
    throw new InvalidConfigError(
      shards[of - 1]!.path,
      `ends at row ${next}, the whole has ${total} rows`,
    );
  const warnings: string[] = [];
  const kinds = new Map<string, number[]>();
  for (const shard of shards)
    if (shard.compute !== undefined)
      kinds.set(shard.compute, [...(kinds.get(shard.compute) ?? []), shard.shard]);
  if (kinds.size > 1)
    warnings.push(
      `the shards were computed by different kinds of machine (${[...kinds]
        .map(([kind, list]) => `${kind}: shard${list.length > 1 ? 's' : ''} ${list.join(', ')}`)
        .join('; ')}); the merged result differs from a single run's at float rounding`,
    );
  const withLabels = await Promise.all(shards.map((shard) => pathExists(labelsPath(shard.path))));
  if (withLabels.some((has) => has !== withLabels[0]))
    throw new InvalidConfigError(
      shards[withLabels.indexOf(!withLabels[0])]!.path,
      `${withLabels[0] ? 'has no' : 'has a'} labels file, ${shards[0]!.path} ${withLabels[0] ? 'has one' : 'has none'}`,
    );
  const parts = [];
  let cols = -1;
  let vector = false;
  for (const shard of shards) {
    const file = await NpyFile.open(shard.path);
    let matrix: HostMatrix;
    try {
      vector = file.header.shape.length === 1;
      matrix = await file.readRows();
    } finally {
      await file.close();
    }
    if (matrix.rows !== shard.end - shard.start)
      throw new InvalidConfigError(
        shard.path,
        `has ${matrix.rows} rows, its record says rows ${shard.start} to ${shard.end}`,
      );
    if (cols >= 0 && matrix.cols !== cols)
      throw new InvalidConfigError(
        shard.path,
        `has ${matrix.cols} columns, the other shards ${cols}`,
      );
    cols = matrix.cols;
    parts.push(matrix);
  }
  const labelParts: string[] = [];
  if (withLabels[0])
    for (const shard of shards)
      labelParts.push((await readFile(labelsPath(shard.path), 'utf8')).trimEnd());
  const data = new Float32Array(total * cols);
  let offset = 0;
  for (const part of parts) {
    data.set(part.data, offset);
    offset += part.data.length;
  }
  await writeNpy(out, { data, rows: total, cols }, vector ? [total] : [total, cols]);
  if (withLabels[0]) {
    const labels = labelParts.filter((part) => part.length > 0).join('\n');
    await writeFileAtomic(labelsPath(out), labels.length > 0 ? `${labels}\n` : '');
  }
  return { rows: total, cols, stage, warnings };
}
