import { InvalidConfigError } from '@bctkit/tensor-ops';
import { describe, expect, it } from 'vitest';
import { planClassSplit, planDataSplit } from './plan-split.js';

const labelsOf = (counts: number[]): Int32Array =>
  Int32Array.from(counts.flatMap((count, label) => Array<number>(count).fill(label)));

describe('planClassSplit', () => {
  it('keeps classes below round(ratio * C) and relabels the rest from 0 (hand-computed)', () => {
    // C = 6, cut = round(1.8) = 2
    const plan = planClassSplit(labelsOf([2, 1, 3, 1, 2, 1]));
    expect([...plan.first.indices]).toEqual([0, 1, 2]);
    expect([...plan.first.labels]).toEqual([0, 0, 1]);
    expect(plan.first.numClasses).toBe(2);
    expect([...plan.rest.indices]).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect([...plan.rest.labels]).toEqual([0, 0, 0, 1, 2, 2, 3]);
    expect(plan.rest.numClasses).toBe(4);
  });

  it("reproduces MS1MV3's class counts: 28,029 old identities and 65,402 new ones", () => {
    const plan = planClassSplit(labelsOf(Array<number>(93_431).fill(1)));
    expect(plan.first.numClasses).toBe(28_029);
    expect(plan.rest.numClasses).toBe(65_402);
    expect(plan.first.indices.length).toBe(28_029);
    expect(plan.rest.labels[0]).toBe(0);
    expect(plan.rest.labels.at(-1)).toBe(65_401);
  });

  it('uses the declared class count, so trailing classes without images still count', () => {
    expect(planClassSplit(labelsOf([1, 1]), 0.3, 10).first.numClasses).toBe(3);
    expect(() => planClassSplit(labelsOf([1, 1, 1]), 0.3, 2)).toThrow(InvalidConfigError);
    expect(() => planClassSplit(labelsOf([1]), 1)).toThrow(
      'ratio: expected a number in (0, 1), got 1',
    );
  });
});

describe('planDataSplit', () => {
  it('gives each identity max(1, round(0.3 n)) images first, single-image identities to both (hand-computed)', () => {
    // n = 1, 2, 3, 5, 10 -> first 1 (also in rest), 1, 1, 2 (round(1.5) = 2), 3
    const labels = labelsOf([1, 2, 3, 5, 10]);
    const plan = planDataSplit(labels);
    expect([...plan.first.labels]).toEqual([0, 1, 2, 3, 3, 4, 4, 4]);
    expect([...plan.first.indices]).toEqual([0, 1, 3, 6, 7, 11, 12, 13]);
    expect([...plan.rest.labels]).toEqual([0, 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4]);
    expect(plan.first.numClasses).toBe(5);
    expect(plan.rest.numClasses).toBe(5);
    // Every image is somewhere; only single-image identities are in both.
    expect(plan.first.indices.length + plan.rest.indices.length).toBe(labels.length + 1);
  });

  it('rounds ties to even as Python does: n = 5 gives 2 at 0.3, n = 15 gives 4 at 0.3', () => {
    expect(planDataSplit(labelsOf([5])).first.indices.length).toBe(2); // 0.3 * 5 = 1.5 -> 2
    expect(planDataSplit(labelsOf([15])).first.indices.length).toBe(4); // 0.3 * 15 = 4.5 -> 4
    expect(planDataSplit(labelsOf([7]), 0.5).first.indices.length).toBe(4); // 3.5 -> 4
  });

  it('takes the first images of each identity in dataset order, even when identities interleave', () => {
    const plan = planDataSplit(Int32Array.from([1, 0, 1, 0, 1, 0, 0]), 0.5);
    // label 0: n = 4 -> 2 first (indices 1, 3); label 1: n = 3 -> round(1.5) = 2 (indices 0, 2)
    expect([...plan.first.indices]).toEqual([0, 1, 2, 3]);
    expect([...plan.rest.indices]).toEqual([4, 5, 6]);
  });
});
