import { InvalidConfigError, SeededRandom } from '@bctkit/tensor-ops';

/** Options of {@link epochOrder}. */
export interface EpochOrderOptions {
  /** `false`: file order 0, 1, 2, ... (feature extraction). Default true. */
  shuffle?: boolean;
  seed?: number;
  epoch?: number;
  /** Consecutive indices read together. Default 256. */
  chunkSize?: number;
  /** Chunks whose images are shuffled together. Default 16. */
  windowChunks?: number;
}

/** The generator for one epoch of one seed: the same (seed, epoch) always gives the same stream. */
export function epochRandom(seed: number, epoch: number): SeededRandom {
  return SeededRandom.fromSeed((seed * 1_000_003 + epoch) % 2 ** 52);
}

/**
 * The order in which an epoch visits a dataset: a seeded shuffle that keeps reads mostly
 * sequential. Indices are cut into chunks of `chunkSize` consecutive images; the chunks are put in
 * random order, and the images of each group of `windowChunks` chunks are shuffled together. Each
 * window reads `windowChunks` contiguous runs of the file, while batches still mix many identities.
 * With `chunkSize` 1 (or a dataset no larger than one window) it is a full uniform shuffle.
 */
export function epochOrder(size: number, options: EpochOrderOptions = {}): Uint32Array {
  const { shuffle = true, seed = 0, epoch = 0, chunkSize = 256, windowChunks = 16 } = options;
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new InvalidConfigError('chunkSize', `expected a positive integer, got ${chunkSize}`);
  if (!Number.isInteger(windowChunks) || windowChunks < 1) {
    throw new InvalidConfigError(
      'windowChunks',
      `expected a positive integer, got ${windowChunks}`,
    );
  }
  const order = new Uint32Array(size);
  if (!shuffle) {
    for (let i = 0; i < size; i++) order[i] = i;
    return order;
  }
  const random = epochRandom(seed, epoch);
  const chunks = random.permutation(Math.ceil(size / chunkSize));
  let filled = 0;
  for (let first = 0; first < chunks.length; first += windowChunks) {
    const windowStart = filled;
    for (const chunk of chunks.subarray(first, first + windowChunks)) {
      const end = Math.min(size, (chunk + 1) * chunkSize);
      for (let index = chunk * chunkSize; index < end; index++) order[filled++] = index;
    }
    random.shuffle(order.subarray(windowStart, filled));
  }
  return order;
}
