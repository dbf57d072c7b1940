import { Worker } from 'node:worker_threads';
import { DECODE_WORKER_URL } from '../worker-url.js';
import { processImages, type TransformFailure, type TransformItem } from './image-transform.js';

/** The failure of one image in a batch, by its position in the batch. */
export class ImageProcessingFailure extends Error {
  readonly item: number;
  constructor(item: number, message: string) {
    super(message);
    this.item = item;
  }
}

/**
 * The parent's Node flags minus those that only make sense for the main script: a worker started
 * from a file rejects `--input-type` (set when the parent runs `node --input-type=module -e`).
 */
function workerExecArgv(): string[] {
  return process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  worker: number;
}

/**
 * Decodes, flips and normalises batches of images on worker threads (or in-process with 0
 * workers). A batch is cut into one slice per worker, processed in parallel, and put back in order.
 */
export class DecodePool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  /** Jobs in flight per worker: a busy worker keeps the process alive, an idle one does not. */
  private readonly busy: number[];
  private nextId = 0;

  constructor(workerCount: number) {
    this.busy = new Array<number>(workerCount).fill(0);
    this.workers = Array.from({ length: workerCount }, () => {
      const worker = new Worker(DECODE_WORKER_URL, { execArgv: workerExecArgv() });
      worker.on('message', (message: { id: number; failure?: TransformFailure }) => {
        const job = this.pending.get(message.id);
        if (job === undefined) return;
        this.pending.delete(message.id);
        this.release(job.worker);
        if (message.failure !== undefined)
          job.reject(new ImageProcessingFailure(message.failure.item, message.failure.message));
        else job.resolve();
      });
      worker.on('error', (error) => {
        for (const job of this.pending.values()) {
          this.release(job.worker);
          job.reject(error);
        }
        this.pending.clear();
      });
      worker.unref();
      return worker;
    });
  }

  /** Number of worker threads (0: in-process). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Processes `items` into `[items.length, height, width, channels]` floats, written into `buffer`
   * (which must hold at least that many floats); `convert` resizes and converts images that
   * differ (see `processImages`).
   */
  async process(
    items: readonly TransformItem[],
    height: number,
    width: number,
    channels: 1 | 3,
    buffer: SharedArrayBuffer,
    convert = false,
  ): Promise<Float32Array> {
    const stride = height * width * channels;
    if (this.workers.length === 0 || items.length === 0) {
      try {
        return processImages(
          items,
          height,
          width,
          channels,
          new Float32Array(buffer, 0, items.length * stride),
          convert,
        );
      } catch (failure) {
        const { item, message } = failure as TransformFailure;
        throw new ImageProcessingFailure(item, message);
      }
    }
    // Workers write their slices straight into one shared buffer: no copies, and the cost of
    // touching fresh memory is paid in parallel.
    const slices = Math.min(this.workers.length, items.length);
    const per = Math.ceil(items.length / slices);
    const settled = await Promise.allSettled(
      Array.from({ length: slices }, (_, s) =>
        this.run(s, {
          items: items.slice(s * per, (s + 1) * per),
          height,
          width,
          channels,
          buffer,
          offset: s * per * stride,
          convert,
        }),
      ),
    );
    // Report the first bad image in batch order, whichever worker finished first.
    for (const [s, result] of settled.entries()) {
      if (result.status === 'fulfilled') continue;
      const error = result.reason as unknown;
      if (error instanceof ImageProcessingFailure)
        throw new ImageProcessingFailure(error.item + s * per, error.message);
      throw error;
    }
    return new Float32Array(buffer, 0, items.length * stride);
  }

  private run(
    worker: number,
    job: {
      items: readonly TransformItem[];
      height: number;
      width: number;
      channels: 1 | 3;
      buffer: SharedArrayBuffer;
      offset: number;
      convert: boolean;
    },
  ): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      if (this.busy[worker]!++ === 0) this.workers[worker]!.ref();
      this.workers[worker]!.postMessage({ id, ...job });
    });
  }

  private release(worker: number): void {
    if (--this.busy[worker]! === 0) this.workers[worker]!.unref();
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
