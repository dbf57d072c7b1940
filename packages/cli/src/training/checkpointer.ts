import {
  type Backbone,
  loadCheckpoint,
  readCheckpointMetadata,
  saveCheckpoint,
} from '@bctkit/backbones';
import type { ClassificationHead, CompatibilityLoss } from '@bctkit/losses';
import { InvalidConfigError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { Sgd } from './sgd.js';

/** Where a run is when a checkpoint is written, and where it continues from. */
export interface RunPosition {
  /** Steps done. */
  readonly step: number;
  /** The epoch to continue in. */
  readonly epoch: number;
  /** The batch of that epoch to continue with. */
  readonly nextBatch: number;
  /** Loss of the last step (NaN before the first). */
  readonly lastLoss: number;
}

/** A run's checkpoint as read back for a resume. */
export interface ResumePoint extends RunPosition {
  readonly backbone: Backbone;
  /** Every tensor besides the backbone's (head, loss, optimiser, loss state). The caller disposes them. */
  readonly tensors: Map<string, tf.Tensor>;
}

/**
 * Reads the checkpoint in `directory` to resume a run.
 * @param config - the run's config as JSON: a checkpoint of another config is refused.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} when the run was started with a different config.
 */
export async function readResumePoint(
  directory: string,
  config: string,
  runDirectory: string,
): Promise<ResumePoint> {
  const metadata = await readCheckpointMetadata(directory);
  if (JSON.stringify(metadata.extra.config) !== config)
    throw new InvalidConfigError(
      'config',
      `the run in ${runDirectory} was started with a different config; resume with the same config or use another --out`,
    );
  const loaded = await loadCheckpoint(directory);
  return {
    backbone: loaded.backbone,
    tensors: loaded.extraTensors,
    step: metadata.step,
    epoch: Number(metadata.extra.epoch),
    nextBatch: Number(metadata.extra.nextBatch),
    lastLoss: Number(metadata.extra.lastLoss ?? Number.NaN),
  };
}

/** What a {@link Checkpointer} saves and restores. */
export interface CheckpointParts {
  readonly directory: string;
  readonly backbone: Backbone;
  readonly head: ClassificationHead;
  readonly loss: CompatibilityLoss;
  readonly optimizer: Sgd;
  /** The run's config as JSON, kept in the metadata so a resume can refuse another config. */
  readonly config: string;
}

/**
 * Saves and restores everything a run needs to continue exactly: the backbone, the head's and
 * the loss's variables (`head/<i>`, `loss/<i>`), the optimiser's momentum buffers
 * (`optimizer/<name>`), the loss's state (`loss-state/<name>`) and the position in the data.
 * Written atomically by `saveCheckpoint`: a kill mid-write leaves the previous checkpoint.
 */
export class Checkpointer {
  private readonly parts: CheckpointParts;
  private readonly extraVariables = new Map<string, tf.Variable>();
  private readonly names = new Map<tf.Variable, string>();
  private readonly configObject: unknown;

  constructor(parts: CheckpointParts) {
    this.parts = parts;
    this.configObject = JSON.parse(parts.config);
    for (const [index, variable] of parts.head.trainableVariables.entries())
      this.extraVariables.set(`head/${index}`, variable);
    for (const [index, variable] of parts.loss.trainableVariables.entries())
      this.extraVariables.set(`loss/${index}`, variable);
    for (const [name, variable] of parts.backbone.tensors) this.names.set(variable, name);
    for (const [name, variable] of this.extraVariables) this.names.set(variable, name);
  }

  /**
   * Puts a checkpoint's tensors back (the backbone came with `readResumePoint`), and disposes
   * them.
   * @throws {@link @bctkit/tensor-ops!InvalidConfigError} when the checkpoint lacks a variable of the head or loss.
   */
  restore(tensors: Map<string, tf.Tensor>): void {
    try {
      for (const [name, variable] of this.extraVariables) {
        const tensor = tensors.get(name);
        if (tensor === undefined)
          throw new InvalidConfigError('checkpoint', `the checkpoint has no ${name}`);
        variable.assign(tensor);
      }
      const byName = new Map([...this.names].map(([variable, name]) => [name, variable]));
      const buffers = new Map<string, tf.Tensor>();
      const lossState = new Map<string, tf.Tensor>();
      for (const [name, tensor] of tensors) {
        if (name.startsWith('optimizer/')) buffers.set(name.slice('optimizer/'.length), tensor);
        if (name.startsWith('loss-state/')) lossState.set(name.slice('loss-state/'.length), tensor);
      }
      this.parts.optimizer.restore(buffers, byName);
      this.parts.loss.restoreState?.(lossState);
    } finally {
      tf.dispose([...tensors.values()]);
    }
  }

  /** Writes a checkpoint of the run at `position`. */
  async save(position: RunPosition): Promise<void> {
    const { directory, backbone, optimizer, loss } = this.parts;
    const extraTensors = new Map<string, tf.Tensor>(this.extraVariables);
    for (const [name, buffer] of optimizer.state(this.names))
      extraTensors.set(`optimizer/${name}`, buffer);
    for (const [name, tensor] of loss.state?.() ?? [])
      extraTensors.set(`loss-state/${name}`, tensor);
    await saveCheckpoint(directory, backbone, {
      step: position.step,
      extra: {
        epoch: position.epoch,
        nextBatch: position.nextBatch,
        lastLoss: position.lastLoss,
        config: this.configObject,
      },
      extraTensors,
    });
  }
}
