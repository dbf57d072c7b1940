import { ShapeMismatchError } from '@bctkit/tensor-ops';
import type * as tf from '@tensorflow/tfjs-core';
import type { CompatibilityInputs } from './compatibility-loss.js';

/** The batch's old features, checked to match the new embeddings. */
export function requireOld(inputs: CompatibilityInputs, method: string): tf.Tensor2D {
  const { old, embeddings } = inputs;
  if (old === undefined)
    throw new ShapeMismatchError(
      `${method} needs the old features of the batch (inputs.old): extract them with the old model first`,
    );
  if (
    old.rank !== 2 ||
    old.shape[0] !== embeddings.shape[0] ||
    old.shape[1] !== embeddings.shape[1]
  )
    throw new ShapeMismatchError(
      `${method}: old features [${old.shape}] do not match the new embeddings [${embeddings.shape}] (the methods compare them directly, so the dimensions must be equal)`,
    );
  return old;
}
