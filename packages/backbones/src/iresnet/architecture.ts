import { z } from 'zod';

/** The depths insightface defines, and their blocks per stage (`iresnet.py`). */
export const IRESNET_DEPTHS = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 14, 3],
  100: [3, 13, 30, 3],
  200: [6, 26, 60, 6],
} as const satisfies Record<number, readonly [number, number, number, number]>;

/** One of 18, 34, 50, 100, 200. */
export type IResNetDepth = keyof typeof IRESNET_DEPTHS;

/** Stage widths of the full-size model (`layer1` .. `layer4`); the stem has 64 channels. */
const BASE_WIDTHS = [64, 128, 256, 512] as const;

/**
 * Options of an iResNet. The defaults are insightface's model; the others make CPU-sized variants
 * (smaller images, narrower stages, shorter embeddings, grey input) with the same structure.
 */
export const iresnetOptionsSchema = z.strictObject({
  /** Square input side in pixels. Default 112. Each of the four stages halves it (rounding up). */
  inputSize: z.number().int().min(4).max(1024).default(112),
  /** Multiplies every channel count (64, 128, 256, 512), rounded, at least 1. Default 1. */
  widthMultiplier: z.number().positive().max(8).default(1),
  /** Length of the embedding (`fc` output and `features` BN1d). Default 512. */
  embeddingDim: z.number().int().positive().max(65536).default(512),
  /** 3 for RGB, 1 for grey images. Default 3. */
  inputChannels: z.union([z.literal(1), z.literal(3)]).default(3),
  /** Dropout before `fc` while training (insightface trains with 0). Default 0. */
  dropout: z.number().min(0).max(0.99).default(0),
  /** Seed of the weight initialisation. Default 0. */
  seed: z.number().int().min(0).default(0),
});

/** Options as given by a user: every field optional. */
export type IResNetOptionsInput = z.input<typeof iresnetOptionsSchema>;
/** Options with every default filled in. */
export type IResNetOptions = z.output<typeof iresnetOptionsSchema>;

/** How a tensor is initialised (insightface `iresnet.py` with PyTorch defaults). */
export type InitKind =
  | 'conv-normal' // N(0, 0.1)
  | 'ones'
  | 'zeros'
  | 'prelu' // 0.25
  | 'fc-uniform'; // U(-1/sqrt(fan_in), 1/sqrt(fan_in)), weight and bias

/**
 * One tensor of the model. `name` is the PyTorch `state_dict` key; `shape` is bctkit's layout
 * (tfjs-native: convolution kernels `[kh, kw, in, out]`, the `fc` weight `[in, out]`).
 */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: InitKind;
  /** Updated by the optimiser. False for BN running statistics and the frozen `features.weight`. */
  readonly trainable: boolean;
  /** Counted as a parameter (true for everything but the BN running statistics). */
  readonly parameter: boolean;
  /** Fan-in for `fc-uniform`. */
  readonly fanIn?: number;
}

/** A convolution of the plan. */
export interface ConvPlan {
  /** State-dict name of the kernel, e.g. `layer1.0.conv2.weight`. */
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: 1 | 3;
  readonly stride: 1 | 2;
  /** Symmetric zero padding (PyTorch style, never TensorFlow's asymmetric `same`). */
  readonly padding: 0 | 1;
  /** Output side in pixels. */
  readonly outputSize: number;
}

/** One IBasicBlock: BN, conv 3x3, BN, PReLU, conv 3x3 (stride here), BN, plus the shortcut. */
export interface BlockPlan {
  /** State-dict prefix, e.g. `layer2.0`. */
  readonly prefix: string;
  readonly conv1: ConvPlan;
  readonly conv2: ConvPlan;
  /** 1x1 convolution and BN on the shortcut, when the shape changes. */
  readonly downsample?: ConvPlan;
}

/** The whole model as data: every tensor, every convolution, and the head's sizes. */
export interface IResNetPlan {
  readonly depth: IResNetDepth;
  readonly options: IResNetOptions;
  readonly stem: ConvPlan;
  readonly blocks: readonly BlockPlan[];
  /** Channels and side of the last feature map (512 and 7 for the full model at 112). */
  readonly finalChannels: number;
  readonly finalSize: number;
  /** `finalChannels * finalSize^2`: the input length of `fc`. */
  readonly flattenedSize: number;
  readonly tensors: readonly TensorSpec[];
}

function convOutput(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/**
 * Builds the layer plan of an iResNet: insightface's block order and names, stride on the second
 * convolution of each stage's first block, a 1x1 downsample where the shape changes.
 */
export function planIResNet(depth: IResNetDepth, options: IResNetOptions): IResNetPlan {
  const widths = BASE_WIDTHS.map((width) =>
    Math.max(1, Math.round(width * options.widthMultiplier)),
  );
  const stemWidth = widths[0]!;
  const tensors: TensorSpec[] = [];
  const conv = (
    name: string,
    inChannels: number,
    outChannels: number,
    kernel: 1 | 3,
    stride: 1 | 2,
    inputSize: number,
  ): ConvPlan => {
    const padding = kernel === 3 ? 1 : 0;
    tensors.push({
      name,
      shape: [kernel, kernel, inChannels, outChannels],
      init: 'conv-normal',
      trainable: true,
      parameter: true,
    });
    return {
      name,
      inChannels,
      outChannels,
      kernel,
      stride,
      padding,
      outputSize: convOutput(inputSize, kernel, stride, padding),
    };
  };
  const batchNorm = (prefix: string, channels: number, frozenScale = false) => {
    tensors.push(
      {
        name: `${prefix}.weight`,
        shape: [channels],
        init: 'ones',
        trainable: !frozenScale,
        parameter: true,
      },
      {
        name: `${prefix}.bias`,
        shape: [channels],
        init: 'zeros',
        trainable: true,
        parameter: true,
      },
      {
        name: `${prefix}.running_mean`,
        shape: [channels],
        init: 'zeros',
        trainable: false,
        parameter: false,
      },
      {
        name: `${prefix}.running_var`,
        shape: [channels],
        init: 'ones',
        trainable: false,
        parameter: false,
      },
    );
  };
  const prelu = (prefix: string, channels: number) => {
    tensors.push({
      name: `${prefix}.weight`,
      shape: [channels],
      init: 'prelu',
      trainable: true,
      parameter: true,
    });
  };

  const stem = conv('conv1.weight', options.inputChannels, stemWidth, 3, 1, options.inputSize);
  batchNorm('bn1', stemWidth);
  prelu('prelu', stemWidth);

  const blocks: BlockPlan[] = [];
  let channels = stemWidth;
  let size = stem.outputSize;
  IRESNET_DEPTHS[depth].forEach((count, stage) => {
    const planes = widths[stage]!;
    for (let index = 0; index < count; index++) {
      const prefix = `layer${stage + 1}.${index}`;
      const stride: 1 | 2 = index === 0 ? 2 : 1;
      batchNorm(`${prefix}.bn1`, channels);
      const conv1 = conv(`${prefix}.conv1.weight`, channels, planes, 3, 1, size);
      batchNorm(`${prefix}.bn2`, planes);
      prelu(`${prefix}.prelu`, planes);
      const conv2 = conv(`${prefix}.conv2.weight`, planes, planes, 3, stride, size);
      batchNorm(`${prefix}.bn3`, planes);
      let downsample: ConvPlan | undefined;
      if (stride !== 1 || channels !== planes) {
        downsample = conv(`${prefix}.downsample.0.weight`, channels, planes, 1, stride, size);
        batchNorm(`${prefix}.downsample.1`, planes);
        if (downsample.outputSize !== conv2.outputSize) {
          throw new Error(`internal: shortcut and residual sizes differ in ${prefix}`);
        }
      }
      blocks.push(downsample ? { prefix, conv1, conv2, downsample } : { prefix, conv1, conv2 });
      channels = planes;
      size = conv2.outputSize;
    }
  });

  batchNorm('bn2', channels);
  const flattenedSize = channels * size * size;
  tensors.push(
    {
      name: 'fc.weight',
      shape: [flattenedSize, options.embeddingDim],
      init: 'fc-uniform',
      trainable: true,
      parameter: true,
      fanIn: flattenedSize,
    },
    {
      name: 'fc.bias',
      shape: [options.embeddingDim],
      init: 'fc-uniform',
      trainable: true,
      parameter: true,
      fanIn: flattenedSize,
    },
  );
  batchNorm('features', options.embeddingDim, true);

  return {
    depth,
    options,
    stem,
    blocks,
    finalChannels: channels,
    finalSize: size,
    flattenedSize,
    tensors,
  };
}

function product(shape: readonly number[]): number {
  return shape.reduce((total, side) => total * side, 1);
}

/** Number of parameters, counting the frozen `features.weight` as insightface's table does. */
export function countParameters(plan: IResNetPlan): number {
  let total = 0;
  for (const spec of plan.tensors) if (spec.parameter) total += product(spec.shape);
  return total;
}

/**
 * Multiply-accumulates of one forward pass through the convolutions and `fc` (what insightface's
 * README calls GFLOPs; BN, PReLU and additions are not counted).
 */
export function countMacs(plan: IResNetPlan): number {
  const convMacs = (conv: ConvPlan) =>
    conv.outputSize ** 2 * conv.kernel ** 2 * conv.inChannels * conv.outChannels;
  let total = convMacs(plan.stem);
  for (const block of plan.blocks) {
    total += convMacs(block.conv1) + convMacs(block.conv2);
    if (block.downsample) total += convMacs(block.downsample);
  }
  return total + plan.flattenedSize * plan.options.embeddingDim;
}
