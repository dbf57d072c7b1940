import { z } from 'zod';
import { scheduleSchema } from './schedule.js';

const component = z.looseObject({ type: z.string().min(1) });

/**
 * A training run, as a config file (JSON or YAML) or an object. Components are named by registry
 * `type` with their own options: `data` (a dataset source), `backbone`, `head`, `loss`.
 */
export const trainConfigSchema = z.strictObject({
  /** Dataset source config, e.g. `{ type: 'rec', path: 'ms1mv3/train.rec' }`. */
  data: component,
  /** Backbone config, e.g. `{ type: 'iresnet-50' }`. */
  backbone: component.default({ type: 'iresnet-50' }),
  /** Head config, e.g. `{ type: 'arcface' }` (MixBCT: s 64, m 0.5). */
  head: component.default({ type: 'arcface' }),
  /** Compatibility method, e.g. `{ type: 'mixbct', ratio: 0.3 }`; `none` trains an old model. */
  loss: component.default({ type: 'none' }),
  /** `[N, d]` old-model features of the training set (`.npy`), for methods that need them. */
  oldFeatures: z.string().optional(),
  /** `[N]` credible flags (`.npy`, 0 or 1), from `denoiseCredible`, for MixBCT. */
  credible: z.string().optional(),
  /** `[classes, d]` class prototypes (`.npy`), for BCT and UniBCT. */
  prototypes: z.string().optional(),
  /**
   * Files of the resources the compatibility method declares, by key (`bct list losses` shows
   * each method's), e.g. `{ oldFeatures: 'old.npy' }`; the three above may be given either way.
   */
  resources: z
    .record(
      z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'a resource key is camelCase, e.g. oldFeatures'),
      z.string().min(1),
    )
    .optional(),
  /**
   * Plugins to load before the components are looked up: npm package names or paths of ES
   * modules (relative to the working directory), as with `bct train --plugin`.
   */
  plugins: z.array(z.string().min(1)).optional(),
  /**
   * Initial weights of a new run (a resume ignores it): a bctkit checkpoint directory, or a
   * PyTorch `.pth` / `.safetensors` state dict of the same architecture. `head` also copies the
   * checkpoint's classifier (same classes and width); `key` picks the dict of a `.pth` that holds
   * several (e.g. `state_dict_backbone`); `grow` starts a wider backbone (a longer embedding, as
   * for BT²) from a narrower checkpoint.
   */
  init: z
    .union([
      z.string().min(1),
      z.strictObject({
        from: z.string().min(1),
        head: z.boolean().default(false),
        key: z.string().min(1).optional(),
        /**
         * Initialise a wider backbone (e.g. a longer embedding) from a narrower checkpoint: each
         * checkpoint tensor fills the leading block of the new one. Default false.
         */
        grow: z.boolean().default(false),
      }),
    ])
    .optional(),
  /** Classes of the head. Default: the dataset's. */
  numClasses: z.number().int().positive().optional(),
  optimizer: z
    .strictObject({
      learningRate: z.number().positive().default(0.1),
      momentum: z.number().min(0).max(1).default(0.9),
      weightDecay: z.number().min(0).default(5e-4),
      /** Global gradient-norm clip of the backbone (the head is not clipped). Default 5. */
      clipNorm: z.number().positive().default(5),
    })
    .default({ learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4, clipNorm: 5 }),
  schedule: scheduleSchema.default({ type: 'poly', power: 2, warmupEpochs: 0 }),
  batchSize: z.number().int().min(2).default(128),
  /**
   * Random horizontal flips (probability 0.5), insightface's only augmentation. Default true;
   * turn it off for data whose mirror image is another class (digits).
   */
  flip: z.boolean().default(true),
  epochs: z.number().int().positive().default(20),
  seed: z.number().int().min(0).default(666),
  /** Decode worker threads of the loader. Default: the loader's. */
  workers: z.number().int().min(0).optional(),
  /** Write a checkpoint every this many steps (and at each epoch's end). Default 1000. */
  checkpointEvery: z.number().int().positive().default(1000),
});
export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
