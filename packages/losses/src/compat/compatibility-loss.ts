import type { HostMatrix } from '@bctkit/tensor-ops';
import type * as tf from '@tensorflow/tfjs-core';
import type { Labels } from '../heads/labels.js';
import type { ClassificationHead } from '../heads/margin-head.js';

/** What a compatibility loss sees of one training batch. */
export interface CompatibilityInputs {
  /** `[batch, dim]` raw embeddings of the new model (not normalised), with gradient. */
  readonly embeddings: tf.Tensor2D;
  /** Class of each row; -1 ignores a row. */
  readonly labels: Labels;
  /** `[batch, dim]` raw old-model features of the same images (precomputed), when the method needs them. */
  readonly old?: tf.Tensor2D;
  /** Per row: 1 when its old feature is credible (MixBCT's denoising), 0 when noisy. */
  readonly credible?: ArrayLike<number | boolean>;
  /**
   * The batch's rows of every per-image resource the run was given (`rows: 'images'`), by key:
   * how a method declared in a plugin gets per-image data of its own. `oldFeatures` and
   * `credible` also arrive as `old` and `credible`.
   */
  readonly resources?: ReadonlyMap<string, HostMatrix>;
  /** Current epoch, from 0 (methods with schedules: UniBCT, AdvBCT). */
  readonly epoch?: number;
  /** Total epochs of the run. */
  readonly epochs?: number;
  /** Training progress in [0, 1] (AdvBCT's gradient-reversal coefficient). */
  readonly progress?: number;
  /**
   * Seed for this batch's random draws (MixBCT's replaced rows). A trainer passes one derived
   * from the step, so a resumed run draws the same; without it the method's own stream is used.
   */
  readonly seed?: number;
}

/**
 * A backward-compatible training objective: the new model's classification loss through `head`,
 * plus (or combined with) a term that keeps new embeddings comparable with old ones.
 */
export interface CompatibilityLoss {
  /** Registry id, e.g. `mixbct`. */
  readonly id: string;
  /** Trainable tensors the method adds (none for most methods). */
  readonly trainableVariables: readonly tf.Variable[];
  /** The total loss of a batch, a scalar with gradients to the embeddings and the head. */
  loss(inputs: CompatibilityInputs, head: ClassificationHead): tf.Scalar;
  /**
   * Work at the start of an epoch, before its first batch (UniBCT refines its prototypes). A
   * trainer calls it at every epoch start, but not when it resumes in the middle of an epoch.
   */
  atEpochStart?(tools: EpochStartTools): Promise<void>;
  /**
   * Tensors that are not trainable but change during training (UniBCT's refined prototypes), by
   * name, for checkpoints. The trainer saves them and gives them back to `restoreState`.
   */
  state?(): Map<string, tf.Tensor>;
  /** Restores `state()` from a checkpoint (the tensors stay the caller's). */
  restoreState?(state: ReadonlyMap<string, tf.Tensor>): void;
  /**
   * For methods that learn a map from the new space into the old one (BT²'s basis
   * transformation): the `[newDim, oldDim]` matrix `M` such that a new query `q` is compared with
   * the old gallery as `q M`. A trainer saves it beside the model (an adapter file) at the end.
   */
  queryMap?(): HostMatrix;
  /** Frees tensors the method holds (prototypes, ...). */
  dispose(): void;
}

/** What a trainer offers `CompatibilityLoss.atEpochStart`. */
export interface EpochStartTools {
  /** The epoch about to start, from 0. */
  readonly epoch: number;
  /** `[N, d]` old-model features of the training set, when the method declares them. */
  readonly oldFeatures?: HostMatrix;
  /** Every resource the method declared, by key (the same matrices its `prepare` received). */
  readonly resources?: ReadonlyMap<string, HostMatrix>;
  /** Labels of the training set, in dataset order. */
  readonly labels: Int32Array;
  /** Classes of the head. */
  readonly numClasses: number;
  /** The current new model's features of the training set, in dataset order (no flips). */
  embedTrainingSet(): Promise<HostMatrix>;
}
