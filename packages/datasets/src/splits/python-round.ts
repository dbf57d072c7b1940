/**
 * Python 3's `round(x)` for a double: to the nearest integer, ties to even (`round(2.5) == 2`).
 * MixBCT's split script computes its counts with it; JavaScript's `Math.round` rounds ties up and
 * would give different split sizes.
 */
export function pythonRound(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
