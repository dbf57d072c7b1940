import { clone, customGrad, type Tensor, type TensorLike, zerosLike } from '@tensorflow/tfjs-core';

const forward = (x: Tensor) => ({
  value: clone(x),
  gradFunc: (dy: Tensor | Tensor[]) => zerosLike(Array.isArray(dy) ? dy[0]! : dy),
});

const stopGradientImpl = customGrad(forward as Parameters<typeof customGrad>[0]) as (
  x: Tensor,
) => Tensor;

/**
 * Identity in the forward pass, zero gradient in the backward pass (PyTorch's `detach`,
 * TensorFlow's `stop_gradient`, which tfjs lacks). Use it where a value must be treated as a
 * constant, e.g. old-model features fed through a trainable head.
 *
 * @param x any tensor.
 * @returns a new tensor with the same values, through which no gradient flows.
 */
export function stopGradient<T extends Tensor>(x: T | TensorLike): T {
  return stopGradientImpl(x as Tensor) as T;
}
