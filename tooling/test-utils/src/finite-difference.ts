import { type Tensor, tensor, tidy } from '@tensorflow/tfjs-core';

/**
 * Central finite-difference gradient of a scalar-valued function of one tensor, in float64 arithmetic on
 * the differences: `(f(x + h e_i) - f(x - h e_i)) / 2h` for every entry i. An independent check
 * of analytic (autodiff or custom) gradients.
 */
export function numericGradient(
  f: (x: Tensor) => Tensor,
  x: ArrayLike<number>,
  shape: number[],
  step = 1e-3,
): Float64Array {
  const point = Float64Array.from(x as ArrayLike<number>);
  const out = new Float64Array(point.length);
  const evaluate = (values: Float64Array): number =>
    tidy(() => {
      const value = f(tensor(Float32Array.from(values), shape));
      if (value.size !== 1)
        throw new Error(`numericGradient needs a scalar function, got shape [${value.shape}]`);
      return value.dataSync()[0]!;
    });
  for (let i = 0; i < point.length; i++) {
    const original = point[i]!;
    point[i] = original + step;
    const up = evaluate(point);
    point[i] = original - step;
    const down = evaluate(point);
    point[i] = original;
    out[i] = (up - down) / (2 * step);
  }
  return out;
}
