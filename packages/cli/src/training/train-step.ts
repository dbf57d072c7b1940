import type { Backbone } from '@bctkit/backbones';
import type { Batch } from '@bctkit/datasets';
import {
  type ClassificationHead,
  type CompatibilityInputs,
  type CompatibilityLoss,
  CREDIBLE_FLAGS,
  OLD_FEATURES,
} from '@bctkit/losses';
import { gatherHostRows, type HostMatrix, hostRowsToTensor } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { clipGlobalNorm } from './clip.js';
import type { Sgd } from './sgd.js';

/** Where in the run a step is, for the learning rate and the method's schedules. */
export interface StepPosition {
  readonly learningRate: number;
  /** Current epoch, from 0. */
  readonly epoch: number;
  readonly epochs: number;
  /** Training progress in [0, 1]. */
  readonly progress: number;
  /** Seed of the step's random draws (derived from the step, so a resume draws the same). */
  readonly seed: number;
}

/** What one step did. */
export interface StepOutcome {
  /** The batch's total loss, before the update. */
  readonly loss: number;
  /** Global norm of the backbone's gradients, before clipping. */
  readonly gradientNorm: number;
}

/** What {@link TrainStep} updates, and with what. */
export interface TrainStepParts {
  readonly backbone: Backbone;
  readonly head: ClassificationHead;
  readonly loss: CompatibilityLoss;
  readonly optimizer: Sgd;
  /** Global gradient-norm clip of the backbone (the head and the loss are not clipped). */
  readonly clipNorm: number;
  /**
   * Per-image resources of the run by key (`rows: 'images'`): each batch gets its rows, old
   * features and credible flags also as `old` and `credible`.
   */
  readonly perImage: ReadonlyMap<string, HostMatrix>;
}

/**
 * One optimisation step of backward-compatible training: the backbone embeds the batch (in
 * training mode), the compatibility loss scores it through the head with the batch's rows of
 * every per-image resource, the backbone's gradients are clipped to a global norm, and SGD
 * updates the backbone, the head and the loss's own variables. Leaves no tensors behind; the
 * caller releases the batch.
 */
export class TrainStep {
  private readonly parts: TrainStepParts;
  private readonly backboneVariables: tf.Variable[];
  private readonly otherVariables: tf.Variable[];

  constructor(parts: TrainStepParts) {
    this.parts = parts;
    this.backboneVariables = [...parts.backbone.trainableVariables];
    this.otherVariables = [...parts.head.trainableVariables, ...parts.loss.trainableVariables];
  }

  /** Runs the step on `batch` and applies the update. */
  async run(batch: Batch, position: StepPosition): Promise<StepOutcome> {
    const { backbone, head, loss, optimizer, clipNorm, perImage } = this.parts;
    // The batch's rows of each per-image resource, gathered once; old features and credible
    // flags also go to the loss as `old` and `credible`.
    const resources = new Map(
      [...perImage].map(([key, matrix]) => [key, gatherHostRows(matrix, batch.indices)]),
    );
    const oldRows = resources.get(OLD_FEATURES.key);
    const flags = resources.get(CREDIBLE_FLAGS.key);
    const old = oldRows === undefined ? undefined : hostRowsToTensor(oldRows);
    const credible = flags === undefined ? undefined : Array.from(flags.data, (flag) => flag > 0.5);
    const { value, grads } = tf.variableGrads(() => {
      const inputs: CompatibilityInputs = {
        embeddings: backbone.apply(batch.images, { training: true }),
        labels: batch.labelValues,
        ...(old === undefined ? {} : { old }),
        ...(credible === undefined ? {} : { credible }),
        ...(resources.size === 0 ? {} : { resources }),
        epoch: position.epoch,
        epochs: position.epochs,
        progress: position.progress,
        seed: position.seed,
      };
      return loss.loss(inputs, head);
    }, [...this.backboneVariables, ...this.otherVariables]);
    const backboneGradients = this.backboneVariables.map((variable) => grads[variable.name]!);
    const { clipped, norm } = clipGlobalNorm(backboneGradients, clipNorm);
    optimizer.step(
      [
        ...this.backboneVariables.map((variable, index) => [variable, clipped[index]!] as const),
        ...this.otherVariables.map((variable) => [variable, grads[variable.name]!] as const),
      ],
      position.learningRate,
    );
    const lossValue = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads), ...clipped, ...(old === undefined ? [] : [old])]);
    return { loss: lossValue, gradientNorm: norm };
  }
}
