import { InvalidConfigError, type SeededRandom } from '@bctkit/tensor-ops';

/** Which class centres one step uses, and the batch's labels in that subset. */
export interface ClassSample {
  /** Sorted class ids whose centres take part. */
  readonly classes: Int32Array;
  /** Each row's label as a position in `classes` (-1 stays -1). */
  readonly labels: Int32Array;
}

/**
 * Partial FC class sampling (An et al., "Partial FC", CVPR 2022 workshops,
 * https://arxiv.org/abs/2203.15565): every class present in the batch, plus uniformly drawn
 * negatives up to `floor(rate * numClasses)` classes in all (all positives are kept even when they
 * are more). Labels are remapped into the sorted sample. With `rate = 1` every class is used.
 */
export function sampleClasses(
  labels: Int32Array,
  numClasses: number,
  rate: number,
  random: SeededRandom,
): ClassSample {
  if (!(rate > 0 && rate <= 1))
    throw new InvalidConfigError('sampleRate', `must be in (0, 1], got ${rate}`);
  const wanted = Math.floor(rate * numClasses);
  if (wanted >= numClasses) {
    return { classes: Int32Array.from({ length: numClasses }, (_, k) => k), labels };
  }
  const chosen = new Set<number>();
  for (const label of labels) if (label >= 0) chosen.add(label);
  const negatives = wanted - chosen.size;
  if (negatives > 0) {
    // Draw negatives among the classes not yet chosen: a partial Fisher-Yates over the rest.
    const rest = Int32Array.from({ length: numClasses }, (_, k) => k).filter((k) => !chosen.has(k));
    for (let index = 0; index < negatives; index++) {
      const pick = index + random.nextInt(rest.length - index);
      const value = rest[pick]!;
      rest[pick] = rest[index]!;
      rest[index] = value;
      chosen.add(value);
    }
  }
  const classes = Int32Array.from(chosen).sort();
  const position = new Map<number, number>();
  classes.forEach((classId, index) => {
    position.set(classId, index);
  });
  return {
    classes,
    labels: labels.map((label) => (label < 0 ? -1 : position.get(label)!)),
  };
}
