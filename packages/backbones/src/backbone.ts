import type * as tf from '@tensorflow/tfjs-core';

/**
 * Anything that maps face crops (or other images) to embeddings: a bctkit backbone, or an external
 * tfjs model used as an old model.
 *
 * Input images are bctkit's normalisation, `(pixel / 255 - 0.5) / 0.5` in `[-1, 1]`, channels last,
 * RGB, as the data loader produces them; an extractor that needs another scale, size or layout
 * converts internally.
 */
export interface FeatureExtractor {
  /** What it is, e.g. `iresnet-18` or `external:mobileface`. */
  readonly id: string;
  /** Length of an embedding. */
  readonly embeddingDim: number;
  /** `[height, width, channels]` of the images {@link FeatureExtractor.embed} takes. */
  readonly inputShape: readonly [number, number, 1 | 3];
  /**
   * Embeds a batch in inference mode.
   * @param images `[batch, height, width, channels]`, normalised as above.
   * @returns `[batch, embeddingDim]` raw embeddings (not L2-normalised).
   */
  embed(images: tf.Tensor4D): tf.Tensor2D;
  /** Frees the weights. */
  dispose(): void;
}

/** Options of {@link Backbone.apply}. */
export interface ApplyOptions {
  /** Batch statistics in BN and active dropout. Default false. */
  readonly training?: boolean;
  /** While training, move the BN running statistics (PyTorch momentum 0.1). Default true. */
  readonly updateStatistics?: boolean;
}

/** A trainable bctkit backbone whose tensors are named like the PyTorch `state_dict`. */
export interface Backbone extends FeatureExtractor {
  /** Registry id of the architecture, e.g. `iresnet-50`. */
  readonly architecture: string;
  /** Options with defaults filled in: together with `architecture` they rebuild the model. */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * The forward pass.
   * @param images `[batch, height, width, channels]`, normalised.
   * @returns `[batch, embeddingDim]` raw embeddings.
   */
  apply(images: tf.Tensor4D, options?: ApplyOptions): tf.Tensor2D;
  /** Every tensor (parameters and BN running statistics) by PyTorch state-dict name. */
  readonly tensors: ReadonlyMap<string, tf.Variable>;
  /** The tensors the optimiser updates. */
  readonly trainableVariables: readonly tf.Variable[];
  /** Number of parameters (frozen ones included, running statistics not). */
  readonly parameterCount: number;
}
