import { describe, expect, it } from 'vitest';
import { createRandom } from '../random/seeded-random.js';
import { sortFloat32 } from './sort-float32.js';

const bits = (values: Float32Array) =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('sortFloat32', () => {
  it('orders like the typed-array sort: signed zeros, infinities, denormals, ties (hand-picked)', () => {
    const values = Float32Array.from([
      3,
      -0,
      0,
      Number.POSITIVE_INFINITY,
      -1e-40,
      1e-40,
      -2.5,
      Number.NEGATIVE_INFINITY,
      0,
      -0,
      3,
      -3.4e38,
      3.4e38,
      1,
    ]);
    const expected = Float32Array.from(values).sort();
    expect(bits(sortFloat32(values)).equals(bits(expected))).toBe(true);
    expect([Object.is(values[4], -0), Object.is(values[5], -0), Object.is(values[6], 0)]).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('gives the same bits as the typed-array sort on a million random scores', () => {
    const random = createRandom(9);
    const values = Float32Array.from({ length: 1_000_000 }, () => random.nextNormal() * 0.3);
    const expected = Float32Array.from(values).sort();
    const sorted = sortFloat32(values);
    expect(sorted).toBe(values);
    expect(bits(sorted).equals(bits(expected))).toBe(true);
  });

  it('leaves empty and one-element arrays alone', () => {
    expect(sortFloat32(new Float32Array(0))).toHaveLength(0);
    expect([...sortFloat32(Float32Array.of(2))]).toEqual([2]);
  });
});
