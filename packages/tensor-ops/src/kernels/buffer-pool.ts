import type { DataId } from '@tensorflow/tfjs-core';

/**
 * Reuses the float32 output buffers of bctkit's cpu kernels once their tensor is disposed.
 *
 * Why: every tfjs kernel writes a fresh `Float32Array`. Large ones come from `mmap` and go back
 * to the system when the garbage collector frees them, so the next op faults every page in
 * again. On the virtual machines bctkit is measured on that costs about 3 ms per megabyte, ten
 * times the op itself: an add over 100 MB took 300 ms of which 7 were arithmetic. A training step
 * allocates the same shapes every time, so handing the last step's buffers to the next one
 * removes the faults (as PyTorch's CUDA caching allocator does on a GPU).
 *
 * Safety: a buffer is reused only when nothing can still see it. The pool makes the buffer,
 * watches the backend's `write` / `move` (a second bucket holding it, or a view onto it, as
 * tfjs's slice makes) and `readSync` / `read` (`dataSync()` hands the array to the caller), and
 * gives up on the buffer for good at the first of those. A buffer returns to the pool only when
 * the backend drops its one bucket. Buffers the caller made (`tf.tensor(values)`) are never
 * touched. Reused buffers hold old values: only kernels that write every output value take them.
 */

/** Below this many values a buffer comes from the ordinary heap, where reuse is already cheap. */
const MIN_POOLED_VALUES = 1 << 14;

/** What a cpu backend instance looks like to the pool (tfjs's `MathBackendCPU`). */
interface PoolableBackend {
  data: {
    get(dataId: DataId): { values?: unknown } | undefined;
    has(dataId: DataId): boolean;
  };
  write(values: unknown, shape: number[], dtype: string): DataId;
  move(dataId: DataId, values: unknown, shape: number[], dtype: string, refCount: number): void;
  readSync(dataId: DataId): unknown;
  read(dataId: DataId): Promise<unknown>;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

/** Figures of the pool since it was attached (or last cleared). */
export interface BufferPoolStatus {
  /** Whether kernels take their outputs from the pool now. */
  readonly enabled: boolean;
  /** Buffers waiting to be reused, and their bytes. */
  readonly freeBuffers: number;
  readonly freeBytes: number;
  /** The most bytes the pool keeps waiting; beyond it, disposed buffers go to the collector. */
  readonly maxFreeBytes: number;
  /** Outputs served from the pool, and outputs that needed a new buffer. */
  readonly reused: number;
  readonly allocated: number;
}

/** Buffers the pool made that nothing but their one bucket can see. */
const clean = new WeakSet<Float32Array>();
/** Each pooled buffer's array, by its ArrayBuffer (to recognise views onto it). */
const owners = new WeakMap<ArrayBufferLike, Float32Array>();
/** Pooled buffers stored in a bucket now. */
const stored = new WeakSet<Float32Array>();
/** Waiting buffers by length. */
const free = new Map<number, Float32Array[]>();
const attached = new WeakSet<object>();

let enabled = false;
let freeBytes = 0;
let freeBuffers = 0;
let reused = 0;
let allocated = 0;
let maxFreeBytes = defaultMaxFreeBytes();

function defaultMaxFreeBytes(): number {
  const configured = Number(process.env.BCTKIT_BUFFER_POOL_MB);
  if (Number.isFinite(configured) && configured >= 0) return configured * 2 ** 20;
  return 6 * 2 ** 30;
}

/**
 * A float32 buffer of `length` values for a kernel output that the kernel fills completely.
 * Its contents are arbitrary. From the pool when one of that length waits, else new.
 */
export function takeFloats(length: number): Float32Array {
  if (!enabled || length < MIN_POOLED_VALUES) return new Float32Array(length);
  const waiting = free.get(length);
  const buffer = waiting?.pop();
  if (buffer !== undefined) {
    freeBytes -= buffer.byteLength;
    freeBuffers--;
    reused++;
    clean.add(buffer);
    return buffer;
  }
  const made = new Float32Array(length);
  allocated++;
  clean.add(made);
  owners.set(made.buffer, made);
  return made;
}

/** Never reuse the pooled buffer behind `values` (something outside its bucket can see it). */
function giveUp(values: unknown): void {
  if (!ArrayBuffer.isView(values)) return;
  const owner = owners.get(values.buffer);
  if (owner !== undefined) {
    clean.delete(owner);
    owners.delete(values.buffer);
  }
}

/** Records `values` entering a bucket: the buffer's first bucket, or an escape. */
function entering(values: unknown): void {
  if (!ArrayBuffer.isView(values)) return;
  const owner = owners.get(values.buffer);
  if (owner === undefined) return;
  if (owner !== values || stored.has(owner)) giveUp(values);
  else stored.add(owner);
}

function recycle(buffer: Float32Array): void {
  stored.delete(buffer);
  if (!enabled || !clean.has(buffer)) return;
  clean.delete(buffer);
  if (freeBytes + buffer.byteLength > maxFreeBytes) return; // left to the collector
  const waiting = free.get(buffer.length);
  if (waiting === undefined) free.set(buffer.length, [buffer]);
  else waiting.push(buffer);
  freeBytes += buffer.byteLength;
  freeBuffers++;
}

/**
 * Makes `backend` (tfjs's cpu backend instance) hand disposed kernel outputs back to the pool,
 * and turns the pool on. Idempotent. Off when the environment sets `BCTKIT_BUFFER_POOL=0`.
 */
export function attachBufferPool(backend: object): void {
  if (process.env.BCTKIT_BUFFER_POOL === '0') return;
  enabled = true;
  if (attached.has(backend)) return;
  attached.add(backend);
  const cpu = backend as PoolableBackend;
  const { write, move, readSync, read, disposeData } = cpu;
  cpu.write = function (values, shape, dtype) {
    entering(values);
    return write.call(this, values, shape, dtype);
  };
  cpu.move = function (dataId, values, shape, dtype, refCount) {
    entering(values);
    move.call(this, dataId, values, shape, dtype, refCount);
  };
  cpu.readSync = function (dataId) {
    giveUp(this.data.get(dataId)?.values);
    return readSync.call(this, dataId);
  };
  cpu.read = function (dataId) {
    giveUp(this.data.get(dataId)?.values);
    return read.call(this, dataId);
  };
  cpu.disposeData = function (dataId, force) {
    const values = this.data.get(dataId)?.values;
    const released = disposeData.call(this, dataId, force);
    if (
      released &&
      values instanceof Float32Array &&
      !this.data.has(dataId) &&
      stored.has(values)
    ) {
      recycle(values);
    }
    return released;
  };
}

/** Stops serving outputs from the pool and lets the collector have every waiting buffer. */
export function detachBufferPool(): void {
  enabled = false;
  clearBufferPool();
}

/** Lets the collector have every waiting buffer (the pool stays on). */
export function clearBufferPool(): void {
  free.clear();
  freeBytes = 0;
  freeBuffers = 0;
}

/**
 * Sets the most bytes of disposed buffers the pool keeps for reuse (default 6 GiB, or
 * `BCTKIT_BUFFER_POOL_MB`). A training step's peak of live tensors is the useful size: with less,
 * part of each step's memory is faulted in again.
 */
export function configureBufferPool(options: { maxFreeBytes?: number }): void {
  if (options.maxFreeBytes !== undefined) {
    if (!(options.maxFreeBytes >= 0)) throw new RangeError('maxFreeBytes must be >= 0');
    maxFreeBytes = options.maxFreeBytes;
    if (freeBytes > maxFreeBytes) clearBufferPool();
  }
}

/** The pool's figures: waiting buffers and bytes, reuses and new allocations. */
export function bufferPoolStatus(): BufferPoolStatus {
  return { enabled, freeBuffers, freeBytes, maxFreeBytes, reused, allocated };
}
