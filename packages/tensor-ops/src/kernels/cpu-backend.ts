import type { DataId, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs's cpu backend a kernel touches. */
export interface CpuBackendLike {
  data: { get(dataId: DataId): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** What tfjs passes a kernel function. */
export type KernelArguments = Parameters<KernelFunc>[0];

/**
 * The values of a tensor its caller knows to be float32 (bctkit's own kernels, whose ops check
 * the dtypes before running them).
 */
export function float32Values(backend: CpuBackendLike, tensor: TensorInfo): Float32Array {
  return backend.data.get(tensor.dataId).values as Float32Array;
}

/** The float32 values of a tensor on the cpu backend, or undefined for other dtypes. */
export function floatValues(
  backend: CpuBackendLike,
  tensor: TensorInfo | undefined,
): Float32Array | undefined {
  if (tensor === undefined) return undefined;
  const values = backend.data.get(tensor.dataId).values;
  return values instanceof Float32Array ? values : undefined;
}

/** A kernel that runs bctkit's code when `run` returns a result, and tfjs's own kernel otherwise. */
export function withFallback(
  fallback: KernelConfig,
  run: (args: KernelArguments, backend: CpuBackendLike) => TensorInfo | undefined,
): KernelConfig {
  const kernelFunc = ((args: KernelArguments) =>
    run(args, args.backend as unknown as CpuBackendLike) ??
    fallback.kernelFunc(args)) as KernelFunc;
  return { kernelName: fallback.kernelName, backendName: 'cpu', kernelFunc };
}
