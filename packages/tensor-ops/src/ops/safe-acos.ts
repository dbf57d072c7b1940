import {
  abs,
  acos,
  clipByValue,
  customGrad,
  div,
  type GradSaveFunc,
  greater,
  maximum,
  neg,
  scalar,
  sqrt,
  square,
  sub,
  type Tensor,
  where,
  zerosLike,
} from '@tensorflow/tfjs-core';

/** Options of {@link safeAcos}. */
export interface SafeAcosOptions {
  /**
   * Floor on `1 - x^2` in the gradient: `|d acos(x) / dx| <= 1 / sqrt(epsilon)`.
   * Default 1e-6, so the gradient magnitude is at most 1000.
   */
  epsilon?: number;
}

const cache = new Map<number, (x: Tensor) => Tensor>();

function build(epsilon: number): (x: Tensor) => Tensor {
  const forward = (x: Tensor, save: GradSaveFunc) => {
    save([x]);
    return {
      value: acos(clipByValue(x, -1, 1)),
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const input = saved[0]!;
        const upstream = Array.isArray(dy) ? dy[0]! : dy;
        const slope = div(
          neg(upstream),
          sqrt(maximum(sub(scalar(1), square(input)), scalar(epsilon))),
        );
        // Outside [-1, 1] the value is clipped, hence constant: no gradient there.
        return where(greater(abs(input), scalar(1)), zerosLike(slope), slope);
      },
    };
  };
  return customGrad(forward as Parameters<typeof customGrad>[0]) as (x: Tensor) => Tensor;
}

/**
 * `acos(x)` whose gradient stays finite at and near +-1.
 *
 * Cosines computed in float32 land on or slightly beyond +-1, where the exact derivative
 * `-1 / sqrt(1 - x^2)` is infinite and a margin loss (ArcFace) would produce NaN. Forward: `acos`
 * of `x` clipped to [-1, 1]. Backward: `-dy / sqrt(max(1 - x^2, epsilon))` for `|x| <= 1` and 0
 * beyond (where the clipped value is constant).
 */
export function safeAcos<T extends Tensor>(x: T, options: SafeAcosOptions = {}): T {
  const epsilon = options.epsilon ?? 1e-6;
  let op = cache.get(epsilon);
  if (op === undefined) {
    op = build(epsilon);
    cache.set(epsilon, op);
  }
  return op(x) as T;
}
