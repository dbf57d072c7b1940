import { createHostMatrix, type HostMatrix, ShapeMismatchError } from '@bctkit/tensor-ops';
import { add, matMul, tensor2d, tidy } from '@tensorflow/tfjs-core';
import type { AdapterParameter } from '../adapter.js';

/** `input @ factors[0] @ factors[1] ... + bias`, on the active tfjs backend. */
export function applyLinear(
  input: HostMatrix,
  factors: readonly AdapterParameter[],
  bias?: AdapterParameter,
): HostMatrix {
  let cols = input.cols;
  for (const factor of factors) {
    if (factor.shape[0] !== cols)
      throw new ShapeMismatchError(
        `a [${factor.shape.join(', ')}] factor cannot take ${cols}-wide rows`,
      );
    cols = factor.shape[1]!;
  }
  if (input.rows === 0) return createHostMatrix(new Float32Array(0), 0, cols);
  const data = tidy(() => {
    let out = tensor2d(input.data, [input.rows, input.cols]);
    for (const factor of factors)
      out = matMul(out, tensor2d(factor.data, [factor.shape[0]!, factor.shape[1]!]));
    if (bias !== undefined) out = add(out, tensor2d(bias.data, [1, cols]));
    return out.dataSync() as Float32Array;
  });
  return createHostMatrix(Float32Array.from(data), input.rows, cols);
}

/** A float64 matrix as a float32 parameter. */
export function parameter(data: ArrayLike<number>, shape: readonly number[]): AdapterParameter {
  return { shape, data: Float32Array.from(data) };
}
