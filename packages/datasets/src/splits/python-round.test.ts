import { describe, expect, it } from 'vitest';
import { recordioManifest } from '../fixtures/recordio-fixtures.js';
import { pythonRound } from './python-round.js';

describe('pythonRound', () => {
  it('rounds ties to even, like Python 3', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 2.4999, 2.5001].map(pythonRound)).toEqual([
      0, 2, 2, 4, 0, -2, 2, 3,
    ]);
  });

  it.each(Object.entries(recordioManifest.splitCounts))(
    'gives Python max(1, round(%s * n)) for n = 1..200',
    (ratio, expected) => {
      const ours = Array.from({ length: 200 }, (_, i) =>
        Math.max(1, pythonRound(Number(ratio) * (i + 1))),
      );
      expect(ours).toEqual(expected);
    },
  );
});
