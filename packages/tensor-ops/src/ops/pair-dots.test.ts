import { describe, expect, it } from 'vitest';
import { IndexOutOfRangeError, ShapeMismatchError } from '../errors/errors.js';
import { nativeAddOn } from '../kernels/native-kernels.js';
import { createRandom } from '../random/seeded-random.js';
import { createHostMatrix } from './host-matrix.js';
import { pairDots } from './pair-dots.js';

/** `body` computed with the add-on switched off (the JavaScript implementation). */
function withoutAddOn<T>(body: () => T): T {
  const saved = process.env.BCTKIT_NATIVE_KERNELS;
  process.env.BCTKIT_NATIVE_KERNELS = '0';
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.BCTKIT_NATIVE_KERNELS;
    else process.env.BCTKIT_NATIVE_KERNELS = saved;
  }
}

describe('pairDots', () => {
  const left = createHostMatrix(Float32Array.from([1, 0, 2, 3, -1, 4]), 2, 3); // rows (1,0,2), (3,-1,4)
  const right = createHostMatrix(Float32Array.from([0, 1, 1, 2, 2, -1, 5, 0, 0]), 3, 3);

  it('computes the dot product of each index pair (hand-computed)', () => {
    // (1,0,2).(0,1,1)=2; (3,-1,4).(2,2,-1)=0; (1,0,2).(5,0,0)=5; (3,-1,4).(5,0,0)=15
    expect(Array.from(pairDots(left, right, [0, 1, 0, 1], [0, 1, 2, 2]))).toEqual([2, 0, 5, 15]);
  });

  it('agrees with a plain double-precision sum for widths that are and are not multiples of 4', () => {
    for (const dim of [1, 3, 4, 7, 512]) {
      const values = Float32Array.from({ length: 3 * dim }, (_, i) => Math.sin(i * 1.7));
      const matrix = createHostMatrix(values, 3, dim);
      const out = pairDots(matrix, matrix, [0, 2], [1, 2]);
      [
        [0, 1],
        [2, 2],
      ].forEach(([x, y], p) => {
        let expected = 0;
        for (let k = 0; k < dim; k++) expected += values[x! * dim + k]! * values[y! * dim + k]!;
        expect(out[p]).toBeCloseTo(expected, 4);
      });
    }
  });

  it('scores a matrix against itself (self-test) and handles no pairs', () => {
    expect(Array.from(pairDots(left, left, [0, 1], [1, 1]))).toEqual([11, 26]);
    expect(pairDots(left, right, [], [])).toHaveLength(0);
  });

  it.skipIf(nativeAddOn().module === undefined)(
    'gives the same bits through the native add-on as in JavaScript (odd width, many pairs)',
    () => {
      const random = createRandom(4);
      const rows = 50;
      const dim = 515; // not a multiple of 4: the tail loop too
      const a = createHostMatrix(
        Float32Array.from({ length: rows * dim }, () => random.nextNormal()),
        rows,
        dim,
      );
      const b = createHostMatrix(
        Float32Array.from({ length: 40 * dim }, () => random.nextNormal()),
        40,
        dim,
      );
      const leftIndex = Array.from({ length: 70_000 }, () => random.nextInt(rows));
      const rightIndex = Array.from({ length: 70_000 }, () => random.nextInt(40));
      const native = pairDots(a, b, leftIndex, rightIndex);
      const js = withoutAddOn(() => pairDots(a, b, leftIndex, rightIndex));
      expect(Buffer.from(native.buffer).equals(Buffer.from(js.buffer))).toBe(true);
    },
  );

  it.skipIf(nativeAddOn().module === undefined)(
    'gives the same bits when the add-on visits large matrices block by block',
    () => {
      // 2,500 and 2,600 rows of 515 floats (10 MB) and 70,000 pairs: the add-on groups the pairs
      // by (right block of 2,036 rows, left row), widens each left row once per group, and
      // computes its pairs four at a time (the rest one by one), in chunks that cut some groups.
      const random = createRandom(5);
      const dim = 515;
      const side = (rows: number) =>
        createHostMatrix(
          Float32Array.from({ length: rows * dim }, () => random.nextNormal()),
          rows,
          dim,
        );
      const [a, b] = [side(2500), side(2600)];
      const leftIndex = Int32Array.from({ length: 70_000 }, () => random.nextInt(2500));
      const rightIndex = Int32Array.from({ length: 70_000 }, () => random.nextInt(2600));
      const native = pairDots(a, b, leftIndex, rightIndex);
      const js = withoutAddOn(() => pairDots(a, b, leftIndex, rightIndex));
      expect(Buffer.from(native.buffer).equals(Buffer.from(js.buffer))).toBe(true);
    },
  );

  it('rejects mismatched widths, counts and indices', () => {
    const narrow = createHostMatrix(new Float32Array(4), 2, 2);
    expect(() => pairDots(left, narrow, [0], [0])).toThrow(ShapeMismatchError);
    expect(() => pairDots(left, right, [0, 1], [0])).toThrow(ShapeMismatchError);
    expect(() => pairDots(left, right, [0], [3])).toThrow(
      'right row index 3 at position 0 is outside [0, 3).',
    );
    expect(() => pairDots(left, right, [2], [0])).toThrow(IndexOutOfRangeError);
  });
});
