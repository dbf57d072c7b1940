import { createRandom, gatherRows, l2Normalize, type SeededRandom } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddings, hostLabels, type Labels, maskedCrossEntropy } from './labels.js';
import { type Margin, marginLogits } from './margin.js';
import { sampleClasses } from './partial-fc.js';

/** A classification head trained with the backbone: the loss that makes embeddings discriminative. */
export interface ClassificationHead {
  /** Registry id, e.g. `arcface`. */
  readonly id: string;
  readonly numClasses: number;
  readonly embeddingDim: number;
  /** `[numClasses, embeddingDim]` class centres (PyTorch layout), trainable. */
  readonly weight: tf.Variable;
  /** Every trainable tensor of the head. */
  readonly trainableVariables: readonly tf.Variable[];
  /**
   * The mean loss over rows whose label is not -1.
   * @param embeddings `[batch, embeddingDim]` raw embeddings (the head normalises if it needs to).
   */
  loss(embeddings: tf.Tensor2D, labels: Labels): tf.Scalar;
  /**
   * The logits the loss is computed from, `[batch, numClasses]` (margin included; all classes,
   * even with Partial FC sampling).
   */
  logits(embeddings: tf.Tensor2D, labels: Labels): tf.Tensor2D;
  /** Frees the weights. */
  dispose(): void;
}

/** Options of {@link MarginHead}. */
export interface MarginHeadOptions extends Margin {
  readonly numClasses: number;
  readonly embeddingDim: number;
  /** Partial FC: fraction of class centres used per step (positives always included). Default 1. */
  readonly sampleRate?: number;
  /** Seed of the N(0, 0.01) initialisation and of the class sampling. Default 0. */
  readonly seed?: number;
}

let instances = 0;

/**
 * A normalised-linear classifier with insightface's combined margin (ArcFace, CosFace, or both):
 * `cos = clamp(n(x) . n(W)^T, -1, 1)`, the margin on each row's own class, everything times `s`,
 * then softmax cross-entropy (Deng et al., "ArcFace", CVPR 2019, https://arxiv.org/abs/1801.07698;
 * Wang et al., "CosFace", CVPR 2018, https://arxiv.org/abs/1801.09414). Class centres start from
 * N(0, 0.01), as insightface's Partial FC initialises them.
 */
export class MarginHead implements ClassificationHead {
  readonly id: string;
  readonly numClasses: number;
  readonly embeddingDim: number;
  readonly weight: tf.Variable;
  readonly trainableVariables: readonly tf.Variable[];
  readonly margin: Margin;
  readonly sampleRate: number;
  private readonly random: SeededRandom;

  constructor(id: string, options: MarginHeadOptions) {
    this.id = id;
    this.numClasses = options.numClasses;
    this.embeddingDim = options.embeddingDim;
    this.margin = options;
    this.sampleRate = options.sampleRate ?? 1;
    this.random = createRandom(options.seed ?? 0);
    const init = createRandom((options.seed ?? 0) ^ 0x5f3759df);
    const values = new Float32Array(this.numClasses * this.embeddingDim);
    for (let index = 0; index < values.length; index++) values[index] = 0.01 * init.nextNormal();
    this.weight = tf.tidy(() =>
      tf.variable(
        tf.tensor2d(values, [this.numClasses, this.embeddingDim]),
        true,
        `bctkit-head-${id}-${++instances}/weight`,
      ),
    );
    this.trainableVariables = [this.weight];
  }

  loss(embeddings: tf.Tensor2D, labels: Labels): tf.Scalar {
    checkEmbeddings(embeddings, this.embeddingDim, this.id);
    const host = hostLabels(labels, embeddings.shape[0], this.numClasses);
    const sample =
      this.sampleRate < 1
        ? sampleClasses(host, this.numClasses, this.sampleRate, this.random)
        : undefined;
    return tf.tidy(() => {
      const centres = sample ? gatherRows(this.weight, sample.classes) : this.weight;
      const cosine = tf.clipByValue(
        tf.matMul(l2Normalize(embeddings), l2Normalize(centres), false, true),
        -1,
        1,
      ) as tf.Tensor2D;
      const rowLabels = sample ? sample.labels : host;
      return maskedCrossEntropy(marginLogits(cosine, rowLabels, this.margin), rowLabels);
    });
  }

  logits(embeddings: tf.Tensor2D, labels: Labels): tf.Tensor2D {
    checkEmbeddings(embeddings, this.embeddingDim, this.id);
    const host = hostLabels(labels, embeddings.shape[0], this.numClasses);
    return tf.tidy(() => {
      const cosine = tf.clipByValue(
        tf.matMul(l2Normalize(embeddings), l2Normalize(this.weight), false, true),
        -1,
        1,
      ) as tf.Tensor2D;
      return marginLogits(cosine, host, this.margin);
    });
  }

  dispose(): void {
    this.weight.dispose();
  }
}
