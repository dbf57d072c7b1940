import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { takeFloats } from './buffer-pool.js';
import {
  type CpuBackendLike,
  floatValues,
  float32Values as values,
  withFallback,
} from './cpu-backend.js';

import type { ElementwiseImplementation as Implementation } from './js-elementwise.js';

/** `BctkitBatchNorm({x, gamma, beta}, {epsilon}) -> [y, mean, variance, inverseStd]` (cpu only). */
export const BATCH_NORM_KERNEL = 'BctkitBatchNorm';
/** `BctkitBatchNormGrad({x, dy, mean, inverseStd, gamma}) -> [dx, dgamma, dbeta]` (cpu only). */
export const BATCH_NORM_GRAD_KERNEL = 'BctkitBatchNormGrad';

/** Batch-norm kernels of the cpu backend, on the add-on or its JavaScript versions. */
export function createBatchNormKernels(implementation: Implementation): KernelConfig[] {
  const forward = ((args: Parameters<KernelFunc>[0]) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const { x, gamma, beta } = args.inputs as Record<'x' | 'gamma' | 'beta', TensorInfo>;
    const { epsilon } = args.attrs as { epsilon: number };
    const xValues = values(backend, x);
    const channels = values(backend, gamma).length;
    const y = takeFloats(xValues.length);
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
    const dx = takeFloats(xValues.length);
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

/**
 * tfjs's `FusedBatchNorm` (inference-mode batch normalisation with given statistics) in one pass,
 * for a float32 input whose mean, variance, scale and offset are each one value or one per
 * channel (the last dimension). Other broadcasts go to tfjs's kernel, which works out indices per
 * element and took 40 times longer on iResNet's activations.
 */
export function createFusedBatchNormKernel(
  implementation: Implementation,
  fallback: KernelConfig,
): KernelConfig {
  return withFallback(fallback, ({ inputs, attrs }, backend) => {
    const { x, mean, variance, scale, offset } = inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon } = attrs as { varianceEpsilon: number };
    const xValues = floatValues(backend, x);
    if (x === undefined || xValues === undefined || xValues.length === 0) return undefined;
    if (mean === undefined || variance === undefined) return undefined;
    const channels = x.shape[x.shape.length - 1] ?? 1;
    const perChannel = (tensor: TensorInfo | undefined, absent: number) => {
      if (tensor === undefined) return new Float32Array(channels).fill(absent);
      const values = floatValues(backend, tensor);
      if (values === undefined) return undefined;
      if (values.length === 1) return new Float32Array(channels).fill(values[0]!);
      const significant = tensor.shape.slice(tensor.shape.findIndex((d) => d !== 1));
      return significant.length === 1 && significant[0] === channels ? values : undefined;
    };
    const [means, variances, scales, offsets] = [
      perChannel(mean, 0),
      perChannel(variance, 1),
      perChannel(scale, 1),
      perChannel(offset, 0),
    ];
    if (!means || !variances || !scales || !offsets) return undefined;
    const factor = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      factor[c] = scales[c]! / Math.sqrt(variances[c]! + varianceEpsilon);
    }
    const y = takeFloats(xValues.length);
    implementation.batchNormInference(xValues, means, factor, offsets, y);
    return backend.makeTensorInfo([...x.shape], 'float32', y);
  });
}
