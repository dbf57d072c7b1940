import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors/errors.js';
import { reference } from '../fixtures/reference.js';
import { SeededRandom } from './seeded-random.js';

describe('SeededRandom', () => {
  describe.each(reference.random)(
    'matches the independent Python port for seed $seed',
    (expected) => {
      it('seeds the same state', () => {
        expect(SeededRandom.fromSeed(expected.seed).getState().state).toEqual(
          expected.initialState,
        );
      });

      it('produces the same integers, doubles, bounded draws, permutation and sample', () => {
        const random = SeededRandom.fromSeed(expected.seed);
        expect(Array.from({ length: 8 }, () => random.nextUint32())).toEqual(expected.u32);
        expect(Array.from({ length: 4 }, () => random.next())).toEqual(expected.uniform);
        expect(Array.from({ length: 8 }, () => random.nextInt(10))).toEqual(expected.below10);
        expect(Array.from(random.permutation(12))).toEqual(expected.permutation12);
        expect(Array.from(random.sample(1_000_000, 6))).toEqual(expected.sample1e6k6);
      });
    },
  );

  it('resumes exactly from a saved state (through JSON, as in a checkpoint)', () => {
    const random = SeededRandom.fromSeed(666);
    random.permutation(100);
    const saved = JSON.parse(JSON.stringify(random.getState()));
    const expected = Array.from({ length: 20 }, () => random.nextUint32());
    const resumed = SeededRandom.fromState(saved);
    expect(Array.from({ length: 20 }, () => resumed.nextUint32())).toEqual(expected);
  });

  it('rejects malformed states and seeds', () => {
    expect(() =>
      SeededRandom.fromState({ algorithm: 'mt19937', state: [1, 2, 3, 4] } as never),
    ).toThrow(InvalidConfigError);
    expect(() =>
      SeededRandom.fromState({ algorithm: 'xoshiro128**', state: [1, 2, 3] } as never),
    ).toThrow(InvalidConfigError);
    expect(() =>
      SeededRandom.fromState({ algorithm: 'xoshiro128**', state: [1, 2, 3, 2 ** 32] }),
    ).toThrow(InvalidConfigError);
    expect(() => SeededRandom.fromSeed(0.5)).toThrow('seed: expected a safe integer, got 0.5');
  });

  it('gives different streams for different seeds', () => {
    const first = SeededRandom.fromSeed(1).nextUint32();
    const second = SeededRandom.fromSeed(2).nextUint32();
    expect(first).not.toBe(second);
  });

  it('draws bounded integers uniformly (chi-square test, 9 degrees of freedom)', () => {
    const random = SeededRandom.fromSeed(7);
    const counts = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) counts[random.nextInt(10)]! += 1;
    const expected = draws / 10;
    const chiSquare = counts.reduce(
      (total, count) => total + (count - expected) ** 2 / expected,
      0,
    );
    expect(chiSquare).toBeLessThan(27.88); // the 0.1% critical value of chi-square(9)
  });

  it('shuffles into every permutation of 3 items about equally often', () => {
    const random = SeededRandom.fromSeed(11);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      const key = random.shuffle(['a', 'b', 'c']).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const chiSquare = [...counts.values()].reduce(
      (total, count) => total + (count - 10_000) ** 2 / 10_000,
      0,
    );
    expect(chiSquare).toBeLessThan(20.52); // 0.1% critical value of chi-square(5)
  });

  it('has a standard normal with mean 0 and variance 1', () => {
    const random = SeededRandom.fromSeed(3);
    let sum = 0;
    let sumSquares = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const value = random.nextNormal();
      sum += value;
      sumSquares += value * value;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01); // 4.5 standard errors
    expect(Math.abs(sumSquares / n - 1)).toBeLessThan(0.015);
  });

  it('samples distinct values in range, including k = n, and refuses k > n', () => {
    const random = SeededRandom.fromSeed(5);
    const sample = random.sample(50, 50);
    expect(new Set(sample).size).toBe(50);
    expect(Math.max(...sample)).toBe(49);
    expect(random.sample(10, 0)).toHaveLength(0);
    expect(() => random.sample(3, 4)).toThrow('cannot draw 4 distinct values from 3');
    expect(() => random.nextInt(0)).toThrow(InvalidConfigError);
  });

  it('splits into an independent, reproducible child stream', () => {
    const parent = SeededRandom.fromSeed(9);
    const child = parent.split();
    const again = SeededRandom.fromSeed(9).split();
    const childDraws = Array.from({ length: 5 }, () => child.nextUint32());
    expect(Array.from({ length: 5 }, () => again.nextUint32())).toEqual(childDraws);
    expect(Array.from({ length: 5 }, () => parent.nextUint32())).not.toEqual(childDraws);
  });
});
