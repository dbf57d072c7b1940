import { createRandom, type SeededRandom, ShapeMismatchError } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Backbone } from '../backbone.js';
import {
  type ConvPlan,
  countParameters,
  type IResNetDepth,
  type IResNetOptions,
  type IResNetPlan,
  planIResNet,
  type TensorSpec,
} from './architecture.js';
import { BATCH_NORM_EPSILON, type BatchNormTensors, batchNorm } from './batch-norm.js';

let instanceCounter = 0;

function initialValues(spec: TensorSpec, random: SeededRandom): Float32Array {
  const size = spec.shape.reduce((total, side) => total * side, 1);
  const values = new Float32Array(size);
  switch (spec.init) {
    case 'conv-normal':
      for (let index = 0; index < size; index++) values[index] = 0.1 * random.nextNormal();
      break;
    case 'ones':
      values.fill(1);
      break;
    case 'prelu':
      values.fill(0.25);
      break;
    case 'fc-uniform': {
      const bound = 1 / Math.sqrt(spec.fanIn ?? 1);
      for (let index = 0; index < size; index++) values[index] = (2 * random.next() - 1) * bound;
      break;
    }
    case 'zeros':
      break;
  }
  return values;
}

/** tfjs's padding for a convolution of the plan: PyTorch's symmetric zero padding. */
function convPadding(plan: ConvPlan): 'valid' | 1 {
  return plan.padding === 0 ? 'valid' : plan.padding;
}

/**
 * insightface's iResNet (`arcface_torch/backbones/iresnet.py`, Deng et al., "ArcFace", CVPR 2019,
 * https://arxiv.org/abs/1801.07698), layer for layer, on tfjs-core.
 *
 * The computation equals PyTorch's NCHW model: the data run channels last, convolutions pad one
 * pixel on every side as PyTorch does (not TensorFlow's asymmetric `same`), and the last feature map
 * is flattened in NCHW order (`c * h * w + ...`) before `fc`, so imported weights give the same
 * embeddings. Tensors carry PyTorch state-dict names; kernels are stored `[kh, kw, in, out]` and the
 * `fc` weight `[in, out]`.
 *
 * Create it with {@link createBackbone} (`{ type: 'iresnet-50' }`) or `new IResNet(50, options)`.
 */
export class IResNet implements Backbone {
  readonly architecture: string;
  readonly id: string;
  readonly options: IResNetOptions;
  readonly plan: IResNetPlan;
  readonly embeddingDim: number;
  readonly inputShape: readonly [number, number, 1 | 3];
  readonly tensors: ReadonlyMap<string, tf.Variable>;
  readonly trainableVariables: readonly tf.Variable[];
  readonly parameterCount: number;
  private disposed = false;
  /** Convolutions with their batch norm folded in, by convolution name (see foldedConv). */
  private readonly folded = new Map<
    string,
    { filter: tf.Tensor4D; bias: tf.Tensor1D; sources: readonly object[] }
  >();

  /**
   * Builds and initialises the model (convolutions N(0, 0.1), BN weight 1 and bias 0, PReLU 0.25,
   * `fc` PyTorch's Kaiming-uniform, frozen `features.weight` = 1), seeded by `options.seed`.
   */
  constructor(depth: IResNetDepth, options: IResNetOptions) {
    this.plan = planIResNet(depth, options);
    this.options = options;
    this.architecture = `iresnet-${depth}`;
    this.id = this.architecture;
    this.embeddingDim = options.embeddingDim;
    this.inputShape = [options.inputSize, options.inputSize, options.inputChannels];
    this.parameterCount = countParameters(this.plan);
    const random = createRandom(options.seed);
    const scope = `bctkit-${this.architecture}-${++instanceCounter}`;
    const tensors = new Map<string, tf.Variable>();
    const trainable: tf.Variable[] = [];
    for (const spec of this.plan.tensors) {
      const variable = tf.tidy(() =>
        tf.variable(
          tf.tensor(initialValues(spec, random), [...spec.shape], 'float32'),
          spec.trainable,
          `${scope}/${spec.name}`,
        ),
      );
      tensors.set(spec.name, variable);
      if (spec.trainable) trainable.push(variable);
    }
    this.tensors = tensors;
    this.trainableVariables = trainable;
  }

  embed(images: tf.Tensor4D): tf.Tensor2D {
    return this.apply(images, { training: false });
  }

  apply(images: tf.Tensor4D, options: ApplyOptions = {}): tf.Tensor2D {
    this.checkInput(images);
    const training = options.training ?? false;
    const update = options.updateStatistics ?? true;
    // Evaluation outside any gradient tape folds each batch norm that follows a convolution into
    // it (see foldedConv); under a tape the layers run as written, so gradients reach every
    // variable.
    const fold = !training && tf.engine().state.gradientDepth === 0;
    return tf.tidy(() => {
      const norm = <T extends tf.Tensor>(input: T, prefix: string) =>
        batchNorm(input, this.batchNormTensors(prefix), training, update, prefix);
      const prelu = (input: tf.Tensor4D, prefix: string): tf.Tensor4D =>
        tf.prelu(input as tf.Tensor, this.tensor(`${prefix}.weight`) as tf.Tensor) as tf.Tensor4D;
      // conv -> batch norm (-> PReLU), folded into one fused convolution when `fold`.
      const convNorm = (
        input: tf.Tensor4D,
        plan: ConvPlan,
        normPrefix: string,
        preluPrefix?: string,
      ): tf.Tensor4D => {
        if (!fold) {
          const normed = norm(this.conv(input, plan), normPrefix);
          return preluPrefix === undefined ? normed : prelu(normed, preluPrefix);
        }
        const { filter, bias } = this.foldedConv(plan, normPrefix);
        return tf.fused.conv2d({
          x: input,
          filter,
          strides: plan.stride,
          pad: convPadding(plan),
          bias,
          ...(preluPrefix === undefined
            ? {}
            : {
                activation: 'prelu' as const,
                preluActivationWeights: this.tensor(`${preluPrefix}.weight`),
              }),
        });
      };

      let x = convNorm(images, this.plan.stem, 'bn1', 'prelu');
      for (const block of this.plan.blocks) {
        let residual = norm(x, `${block.prefix}.bn1`);
        residual = convNorm(residual, block.conv1, `${block.prefix}.bn2`, `${block.prefix}.prelu`);
        residual = convNorm(residual, block.conv2, `${block.prefix}.bn3`);
        const shortcut = block.downsample
          ? convNorm(x, block.downsample, `${block.prefix}.downsample.1`)
          : x;
        x = tf.add(residual, shortcut);
      }
      x = norm(x, 'bn2');
      let flat = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [
        images.shape[0],
        this.plan.flattenedSize,
      ]) as tf.Tensor2D;
      if (training && this.options.dropout > 0)
        flat = tf.dropout(flat, this.options.dropout) as tf.Tensor2D;
      const embedding = tf.add(
        tf.matMul(flat, this.tensor('fc.weight')),
        this.tensor('fc.bias'),
      ) as tf.Tensor2D;
      return norm(embedding, 'features');
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const variable of this.tensors.values()) variable.dispose();
    for (const folded of this.folded.values()) tf.dispose([folded.filter, folded.bias]);
    this.folded.clear();
  }

  /**
   * The filter and bias of `plan`'s convolution with the evaluation-mode batch norm `normPrefix`
   * after it folded in: with `s = weight / sqrt(running_var + eps)` per output channel,
   * `filter = conv * s` and `bias = bias_bn - running_mean * s`, so one convolution with a bias
   * gives the two layers' output (to float rounding: tested against the unfolded layers).
   * Kept until one of the five source tensors changes (an assignment gives a variable new data),
   * so repeated evaluation pays for it once; the copies take as much memory as the filters.
   */
  private foldedConv(
    plan: ConvPlan,
    normPrefix: string,
  ): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
    const layer = this.batchNormTensors(normPrefix);
    const sources = [
      this.tensor(plan.name),
      layer.weight,
      layer.bias,
      layer.runningMean,
      layer.runningVar,
    ].map((variable) => variable.dataId);
    const cached = this.folded.get(plan.name);
    if (cached?.sources.every((id, at) => id === sources[at])) return cached;
    if (cached !== undefined) tf.dispose([cached.filter, cached.bias]);
    const made = tf.tidy(() => {
      const scale = tf.div(layer.weight, tf.sqrt(tf.add(layer.runningVar, BATCH_NORM_EPSILON)));
      return {
        filter: tf.keep(tf.mul(this.tensor(plan.name), scale) as tf.Tensor4D),
        bias: tf.keep(tf.sub(layer.bias, tf.mul(layer.runningMean, scale)) as tf.Tensor1D),
      };
    });
    const entry = { ...made, sources };
    this.folded.set(plan.name, entry);
    return entry;
  }

  private tensor(name: string): tf.Variable {
    const variable = this.tensors.get(name);
    if (variable === undefined) throw new Error(`internal: ${this.id} has no tensor ${name}`);
    return variable;
  }

  private batchNormTensors(prefix: string): BatchNormTensors {
    return {
      weight: this.tensor(`${prefix}.weight`),
      bias: this.tensor(`${prefix}.bias`),
      runningMean: this.tensor(`${prefix}.running_mean`),
      runningVar: this.tensor(`${prefix}.running_var`),
    };
  }

  private conv(input: tf.Tensor4D, plan: ConvPlan): tf.Tensor4D {
    return tf.conv2d(input, this.tensor(plan.name) as tf.Tensor4D, plan.stride, convPadding(plan));
  }

  private checkInput(images: tf.Tensor4D): void {
    if (this.disposed) throw new Error(`${this.id} has been disposed`);
    const [, height, width, channels] = images.shape;
    const [expectedHeight, expectedWidth, expectedChannels] = this.inputShape;
    if (
      images.rank !== 4 ||
      height !== expectedHeight ||
      width !== expectedWidth ||
      channels !== expectedChannels
    ) {
      throw new ShapeMismatchError(
        `${this.id} takes images of shape [batch, ${expectedHeight}, ${expectedWidth}, ${expectedChannels}], got [${images.shape.join(', ')}]; ` +
          'set the backbone inputSize/inputChannels to match the data, or resize the images',
      );
    }
  }
}
