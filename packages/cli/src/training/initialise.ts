import { stat } from 'node:fs/promises';
import { type Backbone, loadCheckpoint, loadStateDict, readStateDict } from '@bctkit/backbones';
import type { ClassificationHead } from '@bctkit/losses';
import { FileSystemError, failureReason, ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from './train-config.js';

/** Where initial weights come from, with defaults filled in. */
export interface InitSource {
  readonly from: string;
  readonly head: boolean;
  readonly key?: string;
  /** Accept a backbone no larger in any dimension: see {@link initialiseWeights}. */
  readonly grow?: boolean;
}

/** The `init` field of a config as an {@link InitSource}, or undefined when absent. */
export function initSource(config: TrainConfig): InitSource | undefined {
  const { init } = config;
  if (init === undefined) return undefined;
  return typeof init === 'string' ? { from: init, head: false } : init;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** True when `value` fits inside `variable`: the same rank and no dimension larger. */
const fitsInside = (value: readonly number[], variable: readonly number[]) =>
  value.length === variable.length && value.every((size, axis) => size <= variable[axis]!);

/**
 * Assigns `values[name]` to each variable, after checking every name and shape first. With
 * `grow`, a value smaller than its variable fills the variable's leading block, and the rest of
 * the variable keeps its current (fresh) values.
 */
function assignAll(
  targets: ReadonlyMap<string, tf.Variable>,
  values: ReadonlyMap<string, tf.Tensor>,
  from: string,
  what: string,
  grow = false,
): void {
  for (const [name, variable] of targets) {
    const value = values.get(name);
    if (value === undefined)
      throw new ShapeMismatchError(`${from} has no ${name}, which the ${what} needs (config.init)`);
    const same = value.shape.join(',') === variable.shape.join(',');
    if (!same && !(grow && fitsInside(value.shape, variable.shape)))
      throw new ShapeMismatchError(
        `${from}: ${name} is ${shapeText(value.shape)} but the ${what} needs ${shapeText(variable.shape)} (config.init): ` +
          (grow
            ? 'init.grow copies a checkpoint no larger in any dimension, of the same architecture'
            : 'initialise from a model of the same architecture, width, input size and embedding length'),
      );
  }
  for (const [name, variable] of targets) {
    const value = values.get(name)!;
    if (value.shape.join(',') === variable.shape.join(',')) {
      variable.assign(value);
      continue;
    }
    const padding = variable.shape.map((size, axis) => [0, size - value.shape[axis]!]) as [
      number,
      number,
    ][];
    tf.tidy(() => {
      const inside = tf.pad(tf.onesLike(value), padding);
      variable.assign(tf.add(tf.pad(value, padding), tf.mul(variable, tf.sub(1, inside))));
    });
  }
}

/**
 * Copies initial weights into a fresh backbone (and head): from a bctkit checkpoint directory
 * (matched by tensor name, every shape checked before anything is assigned), or from a PyTorch
 * `.pth` / `.safetensors` state dict (see `loadStateDict`). The old model itself is a common
 * starting point for the new one.
 *
 * With `grow` (bctkit checkpoints, backbone only), the new backbone may be wider than the
 * checkpoint's where the architecture allows it, typically a longer embedding: each checkpoint
 * tensor fills the leading block of the new variable (an old 128-d embedding layer becomes the
 * first 128 outputs of a 256-d one, so those outputs start as the old model's embedding) and the
 * rest keeps its fresh initialisation.
 *
 * @throws {@link @bctkit/tensor-ops!ShapeMismatchError} naming the first tensor that is missing or
 * of another shape.
 */
export async function initialiseWeights(
  source: InitSource,
  backbone: Backbone,
  head: ClassificationHead,
): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(source.from);
  } catch (cause) {
    throw new FileSystemError(
      source.from,
      'read the initial weights (config.init)',
      failureReason(cause),
      {
        cause,
      },
    );
  }
  if (!info.isDirectory()) {
    if (source.head || source.grow)
      throw new ShapeMismatchError(
        `${source.from}: a state dict holds a backbone only, of the same shapes; init.${source.head ? 'head' : 'grow'} needs a bctkit checkpoint directory`,
      );
    loadStateDict(
      backbone,
      await readStateDict(source.from, source.key === undefined ? {} : { key: source.key }),
      {
        file: source.from,
      },
    );
    return;
  }
  const loaded = await loadCheckpoint(source.from);
  try {
    assignAll(backbone.tensors, loaded.backbone.tensors, source.from, 'backbone', source.grow);
    if (source.head) {
      const targets = new Map(
        head.trainableVariables.map((variable, index) => [`head/${index}`, variable] as const),
      );
      assignAll(targets, loaded.extraTensors, source.from, 'head');
    }
  } finally {
    loaded.backbone.dispose();
    tf.dispose([...loaded.extraTensors.values()]);
  }
}
