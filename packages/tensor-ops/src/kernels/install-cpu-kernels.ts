import {
  getKernel,
  type KernelConfig,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { createConv2dBackpropFilterKernel } from './conv2d-backprop-filter.js';

const KERNELS = [
  { name: 'Conv2DBackpropFilter', create: createConv2dBackpropFilterKernel },
] as const;

/** tfjs's own kernel configs that bctkit replaced, by kernel name. */
const originals = new Map<string, KernelConfig>();

/**
 * Replaces slow kernels of tfjs's pure-JS `cpu` backend with bctkit's JavaScript versions (same
 * results, checked against tfjs's kernels by the tests): today `Conv2DBackpropFilter`. Idempotent;
 * {@link useBackend} calls it when it activates `cpu`.
 *
 * @returns the names of the replaced kernels.
 */
export function installCpuKernels(): string[] {
  const installed: string[] = [];
  for (const { name, create } of KERNELS) {
    if (!originals.has(name)) {
      const original = getKernel(name, 'cpu');
      if (original === undefined) continue; // the cpu backend is not loaded
      originals.set(name, original);
      unregisterKernel(name, 'cpu');
      registerKernel(create(original));
    }
    installed.push(name);
  }
  return installed;
}

/** Puts tfjs's own kernels back (for comparisons and tests). */
export function uninstallCpuKernels(): void {
  for (const [name, original] of originals) {
    unregisterKernel(name, 'cpu');
    registerKernel(original);
  }
  originals.clear();
}
