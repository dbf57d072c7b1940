import {
  engine,
  type GradConfig,
  getBackend,
  getGradient,
  getKernel,
  type KernelConfig,
  registerGradient,
  registerKernel,
  type Tensor,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { createBatchNormKernels } from './batch-norm-kernels.js';
import { attachBufferPool, detachBufferPool } from './buffer-pool.js';
import { createConv2dBackpropFilterKernel } from './conv2d-backprop-filter.js';
import {
  createPreluGradKernel,
  ELEMENTWISE_KERNELS,
  PRELU_GRAD_KERNEL,
  preluGradFits,
} from './elementwise-kernels.js';
import { type ElementwiseImplementation, jsElementwise } from './js-elementwise.js';
import { NATIVE_KERNELS, nativeAddOn } from './native-kernels.js';
import { createSgdStepKernel } from './sgd-kernel.js';

type Factory = (fallback: KernelConfig) => KernelConfig;

/** tfjs's own kernel configs that bctkit replaced, by kernel name. */
const originals = new Map<string, KernelConfig>();
/** bctkit's own kernels (batch norm, PReLU's gradient) registered now. */
let customKernels: string[] = [];
/** Which replacements are installed now, and whether natively. */
let installed: { names: string[]; native: boolean } = { names: [], native: false };

/** Options of {@link installCpuKernels}. */
export interface CpuKernelOptions {
  /**
   * Use the native add-on (`@bctkit/tensor-ops-native`) when it is installed and built. Default
   * true, unless the environment sets `BCTKIT_NATIVE_KERNELS=0`.
   */
  readonly native?: boolean;
}

/** Which of tfjs's `cpu` kernels bctkit replaced, and why the native add-on is not in use. */
export interface CpuKernelStatus {
  /** Kernels running natively (OpenBLAS and OpenMP), e.g. `Conv2D`, `BatchMatMul`. */
  readonly native: readonly string[];
  /**
   * When kernels run natively, the libraries behind them: `OpenBLAS`, or `OpenBLAS, oneDNN 2.6.3`
   * when the convolutions run on oneDNN.
   */
  readonly library?: string;
  /** Kernels replaced by bctkit's faster JavaScript. */
  readonly javascript: readonly string[];
  /** Why no kernel is native, when none is. */
  readonly nativeUnavailable?: string;
  /**
   * When no kernel is native: the one shell command that makes the native kernels available
   * (e.g. install OpenBLAS's headers and build the add-on again), if bctkit knows one.
   */
  readonly enableNative?: string;
}

/** The replacements for one implementation of the element-wise functions. */
function elementwiseFactories(implementation: ElementwiseImplementation): Map<string, Factory> {
  return new Map(
    Object.entries(ELEMENTWISE_KERNELS).map(([name, create]) => [
      name,
      (fallback: KernelConfig) => create(implementation, fallback),
    ]),
  );
}

/**
 * Replaces slow kernels of tfjs's pure-JS `cpu` backend, and registers bctkit's own batch-norm
 * and PReLU-gradient kernels ({@link batchNormTraining} and iResNet's PReLU use them).
 *
 * - With the optional native add-on (`@bctkit/tensor-ops-native`, OpenBLAS and OpenMP): the
 *   convolutions (`Conv2D`, `FusedConv2D` and both gradients), matrix products (`BatchMatMul`,
 *   `_FusedMatMul`), element-wise arithmetic, sums and means over leading axes, and PReLU run
 *   natively on every core.
 * - Without it: bctkit's JavaScript `Conv2DBackpropFilter` and the same element-wise kernels in
 *   JavaScript (one flat pass each, where tfjs broadcasts by index arithmetic and transposes
 *   before reducing).
 *
 * Their outputs come from a pool of buffers that disposed tensors hand back ({@link
 * bufferPoolStatus}): fresh memory costs more to fault in than these kernels cost to run.
 *
 * Every replacement gives tfjs's results (tested) and hands cases it does not cover (other
 * dtypes, channels-first layouts, other broadcasts, empty tensors) to tfjs's own kernel.
 * {@link useBackend} calls it when it activates `cpu`; calling it again with other options swaps
 * the set.
 *
 * @returns the names of the replaced tfjs kernels.
 */
export function installCpuKernels(options: CpuKernelOptions = {}): string[] {
  wrapPreluGradient();
  const { module: native } = options.native === false ? {} : nativeAddOn();
  if (installed.names.length > 0 && installed.native === (native !== undefined)) {
    return [...installed.names];
  }
  const implementation: ElementwiseImplementation = native ?? jsElementwise;
  const wanted = elementwiseFactories(implementation);
  if (native !== undefined) {
    for (const [name, create] of Object.entries(NATIVE_KERNELS)) {
      wanted.set(name, (fallback) => create(native, fallback));
    }
  } else {
    wanted.set('Conv2DBackpropFilter', createConv2dBackpropFilterKernel);
  }
  uninstallCpuKernels();
  const names: string[] = [];
  for (const [name, create] of wanted) {
    const original = getKernel(name, 'cpu');
    if (original === undefined) continue; // the cpu backend is not loaded
    originals.set(name, original);
    unregisterKernel(name, 'cpu');
    registerKernel(create(original));
    names.push(name);
  }
  if (names.length > 0) {
    for (const kernel of [
      createPreluGradKernel(implementation),
      ...createBatchNormKernels(implementation),
      createSgdStepKernel(implementation),
    ]) {
      registerKernel(kernel);
      customKernels.push(kernel.kernelName);
    }
  }
  installed = { names, native: native !== undefined };
  const backend = names.length > 0 ? engine().findBackend('cpu') : null;
  if (backend !== null) attachBufferPool(backend);
  return [...names];
}

/** Puts tfjs's own kernels back (for comparisons and tests). */
export function uninstallCpuKernels(): void {
  for (const [name, original] of originals) {
    unregisterKernel(name, 'cpu');
    registerKernel(original);
  }
  originals.clear();
  for (const name of customKernels) unregisterKernel(name, 'cpu');
  customKernels = [];
  installed = { names: [], native: false };
  detachBufferPool();
}

/** The kernels bctkit has replaced on the `cpu` backend, native or JavaScript. */
export function cpuKernelStatus(): CpuKernelStatus {
  const { module, reason, enable } = nativeAddOn();
  const nativeNames = installed.native ? installed.names : [];
  const library =
    nativeNames.length > 0 && module?.nativeKernels.available
      ? module.nativeKernels.library
      : undefined;
  return {
    native: [...nativeNames],
    ...(library === undefined ? {} : { library }),
    javascript: installed.native ? [] : [...installed.names],
    ...(nativeNames.length === 0
      ? {
          nativeUnavailable:
            reason ?? 'switched off, or the cpu backend is not active (installCpuKernels)',
          ...(enable === undefined ? {} : { enableNative: enable }),
        }
      : {}),
  };
}

/**
 * Whether ops may run bctkit's own kernels now (batch norm, PReLU's gradient, the SGD step):
 * they are registered and the cpu backend is active.
 */
export function customCpuKernelsActive(): boolean {
  return customKernels.length > 0 && getBackend() === 'cpu';
}

let preluGradientWrapped = false;

/**
 * Wraps tfjs's PReLU gradient (a mask, two selects, a zeros tensor, two products and a sum) so
 * that, while bctkit's kernels are installed and the cpu backend is active, it is one pass;
 * otherwise, and on every other backend, tfjs's own gradient runs.
 */
function wrapPreluGradient(): void {
  if (preluGradientWrapped) return;
  const original = getGradient('Prelu') as GradConfig | undefined;
  if (original === undefined) return; // gradients not registered yet
  preluGradientWrapped = true;
  registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const [x, alpha] = saved as [Tensor, Tensor];
      const single = dy as Tensor;
      if (customCpuKernelsActive() && preluGradFits(x, alpha, single)) {
        const [dx, dalpha] = engine().runKernel(PRELU_GRAD_KERNEL, {
          x,
          alpha,
          dy: single,
        }) as Tensor[];
        return { x: () => dx!, alpha: () => dalpha! };
      }
      return original.gradFunc(dy, saved, attrs);
    },
  });
}
