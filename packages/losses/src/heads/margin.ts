import { safeAcos, stopGradient } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The combined margin of insightface: target logit `s * (cos(m1 * theta + m2) - m3)`, other
 * logits `s * cos(theta)`.
 */
export interface Margin {
  readonly scale: number;
  readonly m1: number;
  readonly m2: number;
  readonly m3: number;
  /**
   * How ArcFace (`m1 = 1, m3 = 0`) is differentiated. `exact` (default): the 2022 arcface_torch
   * formula that MixBCT trains with, `cos(theta + m)` while `cos(theta) > cos(pi - m)`, else
   * `cos(theta) - m * sin(pi - m)`, differentiated through. `straight-through`: current
   * arcface_torch, `cos(acos(cos(theta)) + m)` as a value whose gradient is that of `cos(theta)`.
   */
  readonly gradient?: 'exact' | 'straight-through';
}

/**
 * Applies a margin to the target cosines.
 * @param target `[batch]` cosine of each row's own class, in [-1, 1].
 * @returns `[batch]` the modified target cosine (before scaling).
 */
export function applyMargin(target: tf.Tensor1D, margin: Margin): tf.Tensor1D {
  const { m1, m2, m3 } = margin;
  return tf.tidy(() => {
    if (m1 === 1 && m2 === 0) return tf.sub(target, m3) as tf.Tensor1D;
    if (m1 === 1 && m3 === 0) {
      if (margin.gradient === 'straight-through') {
        const value = tf.cos(tf.add(safeAcos(stopGradient(target)), m2));
        return tf.add(target, stopGradient(tf.sub(value, target))) as tf.Tensor1D;
      }
      const sine = tf.sqrt(tf.maximum(tf.sub(1, tf.square(target)), 1e-12));
      const shifted = tf.sub(tf.mul(target, Math.cos(m2)), tf.mul(sine, Math.sin(m2)));
      const fallback = tf.sub(target, m2 * Math.sin(Math.PI - m2));
      // 1 where cos(theta) > cos(pi - m). tf.step has a (zero) gradient, unlike tf.greater, so the
      // choice can sit on the tape.
      const useShift = tf.step(tf.sub(target, Math.cos(Math.PI - m2)));
      return tf.add(
        tf.mul(useShift, shifted),
        tf.mul(tf.sub(1, useShift), fallback),
      ) as tf.Tensor1D;
    }
    return tf.sub(tf.cos(tf.add(tf.mul(safeAcos(target), m1), m2)), m3) as tf.Tensor1D;
  });
}

/**
 * Scaled margin logits from cosines: the target column of each row gets the margin, every entry
 * is multiplied by `scale`. Rows labelled -1 get no margin.
 * @param cosine `[batch, classes]` in [-1, 1]. @param labels host labels.
 */
export function marginLogits(cosine: tf.Tensor2D, labels: Int32Array, margin: Margin): tf.Tensor2D {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), cosine.shape[1]);
    const target = tf.sum(tf.mul(cosine, oneHot), 1) as tf.Tensor1D;
    const change = tf.sub(applyMargin(target, margin), target);
    return tf.mul(
      tf.add(cosine, tf.mul(oneHot, tf.expandDims(change, 1))),
      margin.scale,
    ) as tf.Tensor2D;
  });
}
