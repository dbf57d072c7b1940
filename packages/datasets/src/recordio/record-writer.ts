import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { FileSystemError, InvalidConfigError, temporaryPathFor } from '@bctkit/tensor-ops';
import { encodeRecord } from './framing.js';
import { createRecordIndex, formatRecordIndex, type RecordIndex } from './index-file.js';

const FLUSH_BYTES = 4 * 1024 * 1024;

/**
 * Writes a `.rec` file and its `.idx`, atomically: both go to temporary names beside the targets
 * and are renamed into place by {@link commit}. A failure or {@link abort} removes them, so a
 * failed pack never leaves a half-written dataset behind.
 *
 * @example
 * const writer = await RecordWriter.create('out/train.rec', 'out/train.idx');
 * await writer.write(1, packImageRecord({ label: [0, 1], id: 1, payload: jpeg }));
 * await writer.commit();
 */
export class RecordWriter {
  readonly recordPath: string;
  readonly indexPath: string;
  private readonly temporaryRecordPath: string;
  private readonly handle: FileHandle;
  private readonly keys: number[] = [];
  private readonly offsets: number[] = [];
  private readonly usedKeys = new Set<number>();
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private written = 0;
  private finished = false;

  private constructor(
    recordPath: string,
    indexPath: string,
    temporaryRecordPath: string,
    handle: FileHandle,
  ) {
    this.recordPath = recordPath;
    this.indexPath = indexPath;
    this.temporaryRecordPath = temporaryRecordPath;
    this.handle = handle;
  }

  /** Starts writing; nothing appears at the target paths until {@link commit}. */
  static async create(recordPath: string, indexPath: string): Promise<RecordWriter> {
    const temporary = temporaryPathFor(recordPath);
    return new RecordWriter(recordPath, indexPath, temporary, await open(temporary, 'w'));
  }

  /** Records written so far. */
  get count(): number {
    return this.keys.length;
  }

  /** Bytes of the `.rec` so far (written or buffered). */
  get size(): number {
    return this.written + this.pendingBytes;
  }

  /**
   * Appends one record under `key` (keys must be distinct non-negative integers).
   * @returns the byte offset of the record, as listed in the `.idx`.
   */
  async write(key: number, payload: Uint8Array): Promise<number> {
    if (this.finished)
      throw new InvalidConfigError(
        'writer',
        'this RecordWriter has already been committed or aborted',
      );
    if (!Number.isSafeInteger(key) || key < 0)
      throw new InvalidConfigError('key', `expected a non-negative integer, got ${key}`);
    if (this.usedKeys.has(key))
      throw new InvalidConfigError('key', `key ${key} was already written`);
    const offset = this.size;
    const bytes = encodeRecord(payload);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.usedKeys.add(key);
    this.keys.push(key);
    this.offsets.push(offset);
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
    return offset;
  }

  /** The index of what has been written so far. */
  index(): RecordIndex {
    return createRecordIndex([...this.keys], [...this.offsets]);
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const block = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.written += this.pendingBytes;
    this.pendingBytes = 0;
    // write() may write less than asked (a file size limit or a full disk is reached mid-block);
    // the next call then fails with the reason, instead of the .rec silently coming out short.
    try {
      for (let done = 0; done < block.length; ) {
        const { bytesWritten } = await this.handle.write(block, done, block.length - done);
        done += bytesWritten;
      }
    } catch (error) {
      throw FileSystemError.wrap(error, this.recordPath, 'write');
    }
  }

  /** Flushes, syncs and renames both files into place. */
  async commit(): Promise<void> {
    if (this.finished)
      throw new InvalidConfigError(
        'writer',
        'this RecordWriter has already been committed or aborted',
      );
    this.finished = true;
    const temporaryIndexPath = temporaryPathFor(this.indexPath);
    try {
      await this.flush();
      await this.handle.sync();
      await this.handle.close();
      const indexHandle = await open(temporaryIndexPath, 'w');
      try {
        await indexHandle.writeFile(formatRecordIndex(this.index()));
        await indexHandle.sync();
      } finally {
        await indexHandle.close();
      }
      await rename(temporaryIndexPath, this.indexPath);
      await rename(this.temporaryRecordPath, this.recordPath);
    } catch (error) {
      await rm(temporaryIndexPath, { force: true });
      await rm(this.temporaryRecordPath, { force: true });
      throw FileSystemError.wrap(error, this.recordPath, 'write');
    }
  }

  /** Discards everything written; the target paths are left untouched. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.pending = [];
    await this.handle.close().catch(() => undefined);
    await rm(this.temporaryRecordPath, { force: true });
  }
}
