import { expect } from 'vitest';

/** Largest |actual - expected| over all entries (Infinity on a length mismatch, NaN anywhere). */
export function maxAbsDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const difference = Math.abs(actual[i]! - expected[i]!);
    if (Number.isNaN(difference)) return Number.NaN;
    worst = Math.max(worst, difference);
  }
  return worst;
}

/**
 * Asserts `|actual - expected| <= atol + rtol * |expected|` element-wise (numpy's `allclose`),
 * reporting the worst entry on failure.
 */
export function expectAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  {
    atol = 1e-6,
    rtol = 1e-5,
    message,
  }: {
    atol?: number;
    rtol?: number;
    /** Names the compared quantity on failure. */
    message?: string;
  } = {},
): void {
  const what = message === undefined ? '' : `${message}: `;
  expect(actual.length, `${what}length`).toBe(expected.length);
  let worstIndex = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (Number.isNaN(a) !== Number.isNaN(e) || excess > worstExcess) {
      worstExcess = Number.isNaN(excess) ? Number.POSITIVE_INFINITY : excess;
      worstIndex = i;
    }
  }
  if (worstIndex >= 0) {
    expect.fail(
      `${what}entry ${worstIndex}: got ${actual[worstIndex]}, expected ${expected[worstIndex]} ` +
        `(atol ${atol}, rtol ${rtol})`,
    );
  }
}
