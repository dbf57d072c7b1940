import { createRandom } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddings, hostLabels, type Labels, maskedCrossEntropy } from './labels.js';
import type { ClassificationHead } from './margin-head.js';

let instances = 0;

/**
 * A plain linear classifier with bias and softmax cross-entropy, on raw (unnormalised)
 * embeddings: the "softmax" old models of the MixBCT scenarios. Weights and bias start from
 * PyTorch's `nn.Linear` default, U(-1/sqrt(d), 1/sqrt(d)).
 */
export class SoftmaxHead implements ClassificationHead {
  readonly id = 'softmax';
  readonly numClasses: number;
  readonly embeddingDim: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly trainableVariables: readonly tf.Variable[];

  constructor(options: { numClasses: number; embeddingDim: number; seed?: number }) {
    this.numClasses = options.numClasses;
    this.embeddingDim = options.embeddingDim;
    const random = createRandom(options.seed ?? 0);
    const bound = 1 / Math.sqrt(this.embeddingDim);
    const uniform = (count: number) =>
      Float32Array.from({ length: count }, () => (2 * random.next() - 1) * bound);
    const name = `bctkit-head-softmax-${++instances}`;
    this.weight = tf.tidy(() =>
      tf.variable(
        tf.tensor2d(uniform(this.numClasses * this.embeddingDim), [
          this.numClasses,
          this.embeddingDim,
        ]),
        true,
        `${name}/weight`,
      ),
    );
    this.bias = tf.tidy(() =>
      tf.variable(tf.tensor1d(uniform(this.numClasses)), true, `${name}/bias`),
    );
    this.trainableVariables = [this.weight, this.bias];
  }

  loss(embeddings: tf.Tensor2D, labels: Labels): tf.Scalar {
    checkEmbeddings(embeddings, this.embeddingDim, this.id);
    const host = hostLabels(labels, embeddings.shape[0], this.numClasses);
    return tf.tidy(() => maskedCrossEntropy(this.logits(embeddings, host), host));
  }

  logits(embeddings: tf.Tensor2D, labels: Labels): tf.Tensor2D {
    checkEmbeddings(embeddings, this.embeddingDim, this.id);
    hostLabels(labels, embeddings.shape[0], this.numClasses);
    return tf.tidy(
      () => tf.add(tf.matMul(embeddings, this.weight, false, true), this.bias) as tf.Tensor2D,
    );
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}
