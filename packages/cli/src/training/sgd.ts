import { sgdStep } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link Sgd}. */
export interface SgdOptions {
  /** Momentum factor. Default 0.9. */
  readonly momentum?: number;
  /** L2 penalty added to the gradient, as PyTorch's `weight_decay`. Default 5e-4. */
  readonly weightDecay?: number;
}

let instances = 0;

/**
 * Stochastic gradient descent with momentum and weight decay, exactly as PyTorch's `torch.optim.SGD`
 * (no dampening, not Nesterov), which arcface_torch and the MixBCT code train with:
 *
 * `g = grad + weightDecay * w;  buf = momentum * buf + g  (buf = g at the first step);  w -= lr * buf`
 *
 * The momentum buffers are named tensors, so checkpoints can store and restore them.
 */
export class Sgd {
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly buffers = new Map<tf.Variable, tf.Variable>();
  private readonly prefix = `bctkit-sgd-${++instances}`;

  constructor(options: SgdOptions = {}) {
    this.momentum = options.momentum ?? 0.9;
    this.weightDecay = options.weightDecay ?? 5e-4;
  }

  /**
   * Applies one step to each variable with its gradient (which is not disposed): one pass per
   * variable on the cpu backend with bctkit's kernels ({@link sgdStep}), the same bits as the
   * separate ops elsewhere.
   */
  step(pairs: readonly (readonly [tf.Variable, tf.Tensor])[], learningRate: number): void {
    const settings = { learningRate, momentum: this.momentum, weightDecay: this.weightDecay };
    for (const [variable, gradient] of pairs) {
      tf.tidy(() => {
        const buffer = this.buffers.get(variable);
        const next = sgdStep(variable, gradient, buffer, settings);
        if (buffer === undefined) {
          this.buffers.set(
            variable,
            tf.variable(next.buffer, false, `${this.prefix}/${variable.name}`),
          );
        } else {
          buffer.assign(next.buffer);
        }
        variable.assign(next.weights);
      });
    }
  }

  /** The momentum buffer of each variable that has one, by the given names (for checkpoints). */
  state(names: ReadonlyMap<tf.Variable, string>): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [variable, buffer] of this.buffers) {
      const name = names.get(variable);
      if (name !== undefined) out.set(name, buffer);
    }
    return out;
  }

  /** Restores buffers saved by {@link Sgd.state} (copies; the caller keeps its tensors). */
  restore(
    named: ReadonlyMap<string, tf.Tensor>,
    variables: ReadonlyMap<string, tf.Variable>,
  ): void {
    for (const [name, tensor] of named) {
      const variable = variables.get(name);
      if (variable === undefined) continue;
      this.buffers.get(variable)?.dispose();
      this.buffers.set(
        variable,
        tf.variable(tensor, false, `${this.prefix}/${variable.name}/restored`),
      );
    }
  }

  dispose(): void {
    for (const buffer of this.buffers.values()) buffer.dispose();
    this.buffers.clear();
  }
}
