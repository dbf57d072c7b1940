import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { CpuBackendLike } from './cpu-backend.js';

import type { ElementwiseImplementation as Implementation } from './js-elementwise.js';

/** `BctkitBatchNorm({x, gamma, beta}, {epsilon}) -> [y, mean, variance, inverseStd]` (cpu only). */
export const BATCH_NORM_KERNEL = 'BctkitBatchNorm';
/** `BctkitBatchNormGrad({x, dy, mean, inverseStd, gamma}) -> [dx, dgamma, dbeta]` (cpu only). */
export const BATCH_NORM_GRAD_KERNEL = 'BctkitBatchNormGrad';

const values = (backend: CpuBackendLike, tensor: TensorInfo) =>
  backend.data.get(tensor.dataId).values as Float32Array;

/** Batch-norm kernels of the cpu backend, on the add-on or its JavaScript versions. */
export function createBatchNormKernels(implementation: Implementation): KernelConfig[] {
  const forward = ((args: Parameters<KernelFunc>[0]) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const { x, gamma, beta } = args.inputs as Record<'x' | 'gamma' | 'beta', TensorInfo>;
    const { epsilon } = args.attrs as { epsilon: number };
    const xValues = values(backend, x);
    const channels = values(backend, gamma).length;
    const y = new Float32Array(xValues.length);
    const [mean, variance, inverseStd] = [0, 1, 2].map(() => new Float32Array(channels));
    implementation.batchNorm(
      xValues,
      values(backend, gamma),
      values(backend, beta),
      epsilon,
      y,
      mean!,
      variance!,
      inverseStd!,
    );
    return [
      backend.makeTensorInfo([...x.shape], 'float32', y),
      ...[mean, variance, inverseStd].map((v) =>
        backend.makeTensorInfo([...gamma.shape], 'float32', v!),
      ),
    ];
  }) as KernelFunc;
  const backward = ((args: Parameters<KernelFunc>[0]) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const { x, dy, mean, inverseStd, gamma } = args.inputs as Record<
      'x' | 'dy' | 'mean' | 'inverseStd' | 'gamma',
      TensorInfo
    >;
    const xValues = values(backend, x);
    const channels = values(backend, gamma).length;
    const dx = new Float32Array(xValues.length);
    const dgamma = new Float32Array(channels);
    const dbeta = new Float32Array(channels);
    implementation.batchNormGrad(
      xValues,
      values(backend, dy),
      values(backend, mean),
      values(backend, inverseStd),
      values(backend, gamma),
      dx,
      dgamma,
      dbeta,
    );
    return [
      backend.makeTensorInfo([...x.shape], 'float32', dx),
      backend.makeTensorInfo([...gamma.shape], 'float32', dgamma),
      backend.makeTensorInfo([...gamma.shape], 'float32', dbeta),
    ];
  }) as KernelFunc;
  return [
    { kernelName: BATCH_NORM_KERNEL, backendName: 'cpu', kernelFunc: forward },
    { kernelName: BATCH_NORM_GRAD_KERNEL, backendName: 'cpu', kernelFunc: backward },
  ];
}
