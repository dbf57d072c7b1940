import { describe, expect, it } from 'vitest';
import { epochOrder } from './epoch-order.js';

const isPermutation = (order: Uint32Array, size: number) =>
  order.length === size && new Set(order).size === size && Math.max(...order) === size - 1;

describe('epochOrder', () => {
  it('is file order without shuffling', () => {
    expect([...epochOrder(5, { shuffle: false })]).toEqual([0, 1, 2, 3, 4]);
  });

  it('is a permutation, fixed for (seed, epoch), different across epochs and seeds', () => {
    const a = epochOrder(1000, { seed: 3, epoch: 1, chunkSize: 16, windowChunks: 4 });
    expect(isPermutation(a, 1000)).toBe(true);
    expect(epochOrder(1000, { seed: 3, epoch: 1, chunkSize: 16, windowChunks: 4 })).toEqual(a);
    expect(epochOrder(1000, { seed: 3, epoch: 2, chunkSize: 16, windowChunks: 4 })).not.toEqual(a);
    expect(epochOrder(1000, { seed: 4, epoch: 1, chunkSize: 16, windowChunks: 4 })).not.toEqual(a);
  });

  it('keeps reads local: each window draws from at most windowChunks runs of consecutive indices', () => {
    const chunkSize = 10;
    const windowChunks = 3;
    const order = epochOrder(990, { seed: 1, chunkSize, windowChunks });
    expect(isPermutation(order, 990)).toBe(true);
    for (let start = 0; start < order.length; start += chunkSize * windowChunks) {
      const window = order.subarray(start, start + chunkSize * windowChunks);
      const chunks = new Set(Array.from(window, (index) => Math.floor(index / chunkSize)));
      expect(chunks.size).toBeLessThanOrEqual(windowChunks);
    }
  });

  it('handles a last chunk shorter than the rest (the window is not over-filled)', () => {
    for (const size of [1, 7, 33, 256, 257]) {
      expect(
        isPermutation(epochOrder(size, { seed: 2, chunkSize: 8, windowChunks: 2 }), size),
      ).toBe(true);
    }
  });

  it('with chunk size 1 places every index uniformly (chi-square over first positions)', () => {
    const counts = new Array<number>(6).fill(0);
    for (let epoch = 0; epoch < 6000; epoch++)
      counts[epochOrder(6, { seed: 9, epoch, chunkSize: 1 })[0]!]! += 1;
    const chiSquare = counts.reduce((sum, count) => sum + (count - 1000) ** 2 / 1000, 0);
    expect(chiSquare).toBeLessThan(20.52); // 0.1% critical value, 5 degrees of freedom
  });

  it('rejects bad chunk settings', () => {
    expect(() => epochOrder(10, { chunkSize: 0 })).toThrow('chunkSize');
    expect(() => epochOrder(10, { windowChunks: 1.5 })).toThrow('windowChunks');
  });
});
