import { join } from 'node:path';
import { compatibilityLosses } from '@bctkit/losses';
import { parseConfig, Registry, type RegistryEntry } from '@bctkit/tensor-ops';
import { z } from 'zod';
import { declaredResourceFiles } from '../training/resources.js';
import type { TrainConfigInput } from '../training/train-config.js';

/** Options of a scenario preset (`bct train --preset <id> --stage ... --method ...`). */
export const presetOptionsSchema = z.strictObject({
  type: z.string(),
  /** `old` trains the old model (iResNet-18), `new` the new one (iResNet-50). Default `new`. */
  stage: z.enum(['old', 'new']).default('new'),
  /** Compatibility method of the new model (`bct list losses`). Default `mixbct`. */
  method: z.string().default('mixbct'),
  /** Head of the old model: `arcface` (s 64, m 0.5) or `softmax` (the weak old model). */
  oldHead: z.enum(['arcface', 'softmax']).default('arcface'),
  /** Embedding length of both models. Default 512, or 128 for a softmax old model in the class scenarios. */
  embeddingDim: z.number().int().positive().optional(),
  /** The MS1MV3 directory: `train.rec`, and the splits `bct data split --out <root>` writes. */
  root: z.string().default('ms1mv3'),
  /** Where the old model's outputs for the new training set are. Default `<root>/features/<preset>-<oldHead>-<dim>`. */
  features: z.string().optional(),
});
export type PresetOptions = z.output<typeof presetOptionsSchema>;
export type PresetOptionsInput = z.input<typeof presetOptionsSchema>;

/** A MixBCT scenario: which record sets the old and the new model train on. */
export interface ScenarioSpec extends RegistryEntry {
  readonly configSchema: typeof presetOptionsSchema;
  /** The old model's training set, relative to the root. */
  readonly oldSet: string;
  /** The new model's training set (and where the old features are extracted), relative to the root. */
  readonly newSet: string;
  /** Whether the old model saw only some identities (the softmax old model then uses d = 128). */
  readonly byClass: boolean;
}

const SCENARIOS: readonly Omit<ScenarioSpec, 'configSchema'>[] = [
  {
    id: 'extended-class',
    aliases: ['exclass'],
    description:
      'old: first 30% of identities (class30); new: all of MS1MV3; old features cover every class',
    oldSet: 'class30/train.rec',
    newSet: 'train.rec',
    byClass: true,
  },
  {
    id: 'extended-data',
    aliases: ['exdata'],
    description: "old: first 30% of each identity's images (data30); new: all of MS1MV3",
    oldSet: 'data30/train.rec',
    newSet: 'train.rec',
    byClass: false,
  },
  {
    id: 'open-class',
    aliases: ['opclass'],
    description: 'old: class30; new: the other 70% of identities (class70), disjoint from the old',
    oldSet: 'class30/train.rec',
    newSet: 'class70/train.rec',
    byClass: true,
  },
  {
    id: 'open-data',
    aliases: ['opdata'],
    description: 'old: data30; new: the other images of the same identities (data70)',
    oldSet: 'data30/train.rec',
    newSet: 'data70/train.rec',
    byClass: false,
  },
];

/** The four scenarios of the MixBCT paper, as `bct train --preset` ids. */
export const scenarios: Registry<ScenarioSpec> = (() => {
  const registry = new Registry<ScenarioSpec>('preset');
  for (const spec of SCENARIOS) registry.register({ ...spec, configSchema: presetOptionsSchema });
  return registry;
})();

/**
 * A scenario's training config with the MixBCT paper's hyperparameters: SGD (lr 0.1, momentum
 * 0.9, weight decay 5e-4), polynomial decay of power 2 (UniBCT: step decay at epochs 20, 26 and
 * 32), backbone gradient-norm clip 5, 35 epochs, batch 128 per step, seed 666, random flips;
 * ArcFace s 64, m 0.5 (or a softmax old model). The old model is iResNet-18, the new iResNet-50.
 * A new model gets the old-model files its method needs (`bct list losses`), under `features`:
 * `old-features.npy` (bct extract), `credible.npy` (bct denoise), `prototypes.npy` (bct prototypes).
 * Override anything with `--set`.
 */
export function scenarioConfig(input: PresetOptionsInput): TrainConfigInput {
  const spec = scenarios.get(input.type);
  const options = parseConfig(presetOptionsSchema, { ...input, type: spec.id }, 'preset');
  const dim = options.embeddingDim ?? (options.oldHead === 'softmax' && spec.byClass ? 128 : 512);
  const common = {
    optimizer: { learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4, clipNorm: 5 },
    schedule: { type: 'poly', power: 2, warmupEpochs: 0 },
    batchSize: 128,
    epochs: 35,
    seed: 666,
    flip: true,
  } as const;
  const arcface = { type: 'arcface', scale: 64, margin: 0.5 };
  if (options.stage === 'old') {
    return {
      ...common,
      data: { type: 'rec', path: join(options.root, spec.oldSet) },
      backbone: { type: 'iresnet-18', embeddingDim: dim },
      head: options.oldHead === 'softmax' ? { type: 'softmax' } : arcface,
      loss: { type: 'none' },
    };
  }
  const method = compatibilityLosses.get(options.method);
  const features =
    options.features ?? join(options.root, 'features', `${spec.id}-${options.oldHead}-${dim}`);
  return {
    ...common,
    ...(method.id === 'unibct' ? { schedule: { type: 'step', milestones: [20, 26, 32] } } : {}),
    data: { type: 'rec', path: join(options.root, spec.newSet) },
    backbone: { type: 'iresnet-50', embeddingDim: dim },
    head: arcface,
    loss: { type: method.id },
    ...declaredResourceFiles(method, {
      oldFeatures: join(features, 'old-features.npy'),
      credible: join(features, 'credible.npy'),
      prototypes: join(features, 'prototypes.npy'),
    }),
  };
}
