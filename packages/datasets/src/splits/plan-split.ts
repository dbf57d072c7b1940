import { InvalidConfigError } from '@bctkit/tensor-ops';
import { pythonRound } from './python-round.js';

/** One side of a split: which images of the source it keeps, and their (possibly new) labels. */
export interface SplitPart {
  /** Dataset indices of the source, ascending (file order is kept). */
  readonly indices: Uint32Array;
  /** Label of each kept image in this part, parallel to `indices`. */
  readonly labels: Int32Array;
  /** Classes in this part (labels are in [0, numClasses)). */
  readonly numClasses: number;
}

/** A split of a dataset into an "old" part (the first share) and a "new" part (the rest). */
export interface SplitPlan {
  readonly kind: 'class' | 'data';
  readonly ratio: number;
  /** The first `ratio` share: what MixBCT trains the old model on (`*_30`). */
  readonly first: SplitPart;
  /** The rest (`*_70`). */
  readonly rest: SplitPart;
}

function checkRatio(ratio: number): void {
  if (!(ratio > 0 && ratio < 1))
    throw new InvalidConfigError('ratio', `expected a number in (0, 1), got ${ratio}`);
}

function classCount(labels: Int32Array, numClasses?: number): number {
  let max = -1;
  for (const label of labels) {
    if (label < 0) throw new InvalidConfigError('labels', `negative label ${label}`);
    if (label > max) max = label;
  }
  const count = numClasses ?? max + 1;
  if (max >= count)
    throw new InvalidConfigError('numClasses', `label ${max} is outside [0, ${count})`);
  return count;
}

/**
 * MixBCT's class split: identities with label < `round(ratio * C)` form the first part; the rest
 * form the second, relabelled to start at 0. On MS1MV3 (C = 93,431, ratio 0.3) that is 28,029
 * identities and 65,402.
 *
 * @param labels the label of every image, in dataset order.
 * @param numClasses C; default `max(label) + 1`.
 */
export function planClassSplit(labels: Int32Array, ratio = 0.3, numClasses?: number): SplitPlan {
  checkRatio(ratio);
  const classes = classCount(labels, numClasses);
  const cut = pythonRound(ratio * classes);
  const firstIndices: number[] = [];
  const restIndices: number[] = [];
  labels.forEach((label, index) => {
    (label < cut ? firstIndices : restIndices).push(index);
  });
  const part = (indices: number[], offset: number, count: number): SplitPart => ({
    indices: Uint32Array.from(indices),
    labels: Int32Array.from(indices, (index) => labels[index]! - offset),
    numClasses: count,
  });
  return {
    kind: 'class',
    ratio,
    first: part(firstIndices, 0, cut),
    rest: part(restIndices, cut, classes - cut),
  };
}

/**
 * MixBCT's data split: of each identity's n images (in dataset order), the first
 * `max(1, round(ratio * n))` form the first part and the others the second. An identity with a
 * single image is put in both parts. Labels are unchanged; both parts keep all C identities.
 *
 * @param labels the label of every image, in dataset order.
 * @param numClasses C; default `max(label) + 1`.
 */
export function planDataSplit(labels: Int32Array, ratio = 0.3, numClasses?: number): SplitPlan {
  checkRatio(ratio);
  const classes = classCount(labels, numClasses);
  const counts = new Int32Array(classes);
  for (const label of labels) counts[label]! += 1;
  const seen = new Int32Array(classes);
  const firstIndices: number[] = [];
  const restIndices: number[] = [];
  labels.forEach((label, index) => {
    const n = counts[label]!;
    const position = seen[label]!;
    seen[label] = position + 1;
    if (n === 1) {
      firstIndices.push(index);
      restIndices.push(index);
    } else if (position < Math.max(1, pythonRound(ratio * n))) {
      firstIndices.push(index);
    } else {
      restIndices.push(index);
    }
  });
  const part = (indices: number[]): SplitPart => ({
    indices: Uint32Array.from(indices),
    labels: Int32Array.from(indices, (index) => labels[index]!),
    numClasses: classes,
  });
  return { kind: 'data', ratio, first: part(firstIndices), rest: part(restIndices) };
}
