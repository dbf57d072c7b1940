import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { takeFloats } from './buffer-pool.js';
import { type CpuBackendLike, float32Values as values } from './cpu-backend.js';
import type { ElementwiseImplementation as Implementation } from './js-elementwise.js';

/**
 * `BctkitSgdStep({weights, gradient, buffer}, {learningRate, momentum, weightDecay, first})
 * -> [weights', buffer']` (cpu only): one SGD step with momentum and weight decay in one pass.
 * `buffer` is not read when `first` (pass the gradient there).
 */
export const SGD_STEP_KERNEL = 'BctkitSgdStep';

/** Attributes of {@link SGD_STEP_KERNEL}. */
export interface SgdStepAttrs {
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly first: boolean;
}

/** The SGD-step kernel of the cpu backend, on the add-on or its JavaScript version. */
export function createSgdStepKernel(implementation: Implementation): KernelConfig {
  const kernelFunc = ((args: Parameters<KernelFunc>[0]) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const { weights, gradient, buffer } = args.inputs as Record<
      'weights' | 'gradient' | 'buffer',
      TensorInfo
    >;
    const { learningRate, momentum, weightDecay, first } = args.attrs as unknown as SgdStepAttrs;
    const w = values(backend, weights);
    const [wOut, bufferOut] = [takeFloats(w.length), takeFloats(w.length)];
    implementation.sgdStep(
      w,
      values(backend, gradient),
      values(backend, buffer),
      wOut,
      bufferOut,
      learningRate,
      momentum,
      weightDecay,
      first,
    );
    return [
      backend.makeTensorInfo([...weights.shape], 'float32', wOut),
      backend.makeTensorInfo([...weights.shape], 'float32', bufferOut),
    ];
  }) as KernelFunc;
  return { kernelName: SGD_STEP_KERNEL, backendName: 'cpu', kernelFunc };
}
