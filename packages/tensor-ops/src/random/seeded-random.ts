import { InvalidConfigError } from '../errors/errors.js';

/** Serialisable state of a {@link SeededRandom}, stored in checkpoints so a resumed run continues the same stream. */
export interface RandomState {
  readonly algorithm: 'xoshiro128**';
  readonly state: readonly [number, number, number, number];
}

const TWO_POW_32 = 2 ** 32;

/** One step of a 32-bit SplitMix-style sequence (Murmur3 finaliser over a Weyl sequence). */
function splitMix32(counter: number): number {
  let z = (counter + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function rotateLeft(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function validateCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidConfigError(name, `expected a non-negative integer, got ${value}`);
  }
}

/**
 * A small, fast, seedable pseudo-random generator (xoshiro128**) for reproducible shuffles,
 * sampling and initialisation. Unlike `Math.random`, the same seed gives the same stream on
 * every platform, and the state can be saved and restored exactly ({@link getState} /
 * {@link SeededRandom.fromState}), so a resumed training run sees the same data order.
 *
 * Not for cryptography.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(state: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((word) => word >>> 0) as [
      number,
      number,
      number,
      number,
    ];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /**
   * A generator seeded from a safe integer (e.g. `666`). Seeds that differ in any bit give
   * unrelated streams.
   * @throws {@link InvalidConfigError} when the seed is not a safe integer.
   */
  static fromSeed(seed: number): SeededRandom {
    if (!Number.isSafeInteger(seed)) {
      throw new InvalidConfigError('seed', `expected a safe integer, got ${seed}`);
    }
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    let counter = (low ^ splitMix32(high)) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      words.push(splitMix32(counter));
      counter = (counter + 0x9e3779b9) >>> 0;
    }
    return new SeededRandom(words as [number, number, number, number]);
  }

  /**
   * A generator that continues exactly where the one that produced `state` was.
   * @throws {@link InvalidConfigError} for a state of another algorithm or shape.
   */
  static fromState(state: RandomState): SeededRandom {
    const words = state?.state;
    if (
      state?.algorithm !== 'xoshiro128**' ||
      !Array.isArray(words) ||
      words.length !== 4 ||
      !words.every((word) => Number.isInteger(word) && word >= 0 && word < TWO_POW_32)
    ) {
      throw new InvalidConfigError(
        'randomState',
        'expected { algorithm: "xoshiro128**", state: [four unsigned 32-bit integers] }',
      );
    }
    return new SeededRandom(words);
  }

  /** The current state; pass it to {@link SeededRandom.fromState} to continue the stream. */
  getState(): RandomState {
    return { algorithm: 'xoshiro128**', state: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits (two draws). */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /**
   * A uniform integer in [0, n), without modulo bias (rejection sampling).
   * @throws {@link InvalidConfigError} unless `1 <= n <= 2^32`.
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new InvalidConfigError('n', `expected an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let value = this.nextUint32();
    while (value >= limit) value = this.nextUint32();
    return value % n;
  }

  /** A standard normal draw (Box-Muller, two uniform draws per call). */
  nextNormal(): number {
    const u1 = 1 - this.next(); // (0, 1]: the log is finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Shuffles `items` in place (Fisher-Yates, from the end) and returns it. */
  shuffle<A extends { length: number; [index: number]: unknown }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
    return items;
  }

  /** A uniformly random permutation of 0 .. n-1. */
  permutation(n: number): Uint32Array {
    validateCount(n, 'n');
    const result = new Uint32Array(n);
    for (let i = 0; i < n; i++) result[i] = i;
    return this.shuffle(result);
  }

  /**
   * `k` distinct integers drawn uniformly from [0, n), in random order (a partial Fisher-Yates
   * shuffle that touches only k positions, so n may be huge).
   * @throws {@link InvalidConfigError} when `k > n`.
   */
  sample(n: number, k: number): Uint32Array {
    validateCount(n, 'n');
    validateCount(k, 'k');
    if (k > n) throw new InvalidConfigError('k', `cannot draw ${k} distinct values from ${n}`);
    const moved = new Map<number, number>();
    const result = new Uint32Array(k);
    for (let i = 0; i < k; i++) {
      const j = i + this.nextInt(n - i);
      const atJ = moved.get(j) ?? j;
      const atI = moved.get(i) ?? i;
      result[i] = atJ;
      moved.set(j, atI);
    }
    return result;
  }

  /** A new, independent generator seeded from this one's stream (for workers or sub-tasks). */
  split(): SeededRandom {
    const words = [this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32()];
    return new SeededRandom(
      words.map((word, i) => splitMix32(word ^ i)) as [number, number, number, number],
    );
  }
}

/** Shorthand for {@link SeededRandom.fromSeed}. */
export function createRandom(seed: number): SeededRandom {
  return SeededRandom.fromSeed(seed);
}
