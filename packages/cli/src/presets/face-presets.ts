import { Registry, type RegistryEntry } from '@bctkit/tensor-ops';
import { FACE_BENCHMARK_METHODS, type FaceBenchmarkPreset } from '../pipelines/face-benchmark.js';

/** A face-benchmark configuration in the preset registry. */
export interface FacePresetEntry extends RegistryEntry, FaceBenchmarkPreset {}

/**
 * The LFW extended-class scenario sized for a 2-core CPU: LFW's `peopleDevTrain` identities with
 * at least 4 images (430 people, 4,964 images) at 56x56; the old model sees the first 30% of them
 * (10 epochs); every new model starts from the old model's backbone and trains 6 epochs on all of
 * them (UniBCT's schedule, epochs 10 and 20 of 35, scaled to 2 and 3 of 6).
 * Evaluation on identities disjoint from training: `pairsDevTest` (500 + 500 pairs) and 1:N
 * among `peopleDevTest` identities with at least 4 images (180 people, 1,769 images). The
 * transformations are measured beside them: each adapter fitted between the unconstrained new
 * model and the old one on both models' flip-test features of every `peopleDevTrain` image
 * (9,525, no labels used: the training photos and those of people with fewer than 4). BT² grows
 * the embedding to 256-d: its model starts from the old one with `init.grow` (the old 128 outputs
 * first) and `B = I`.
 */
const LFW_EXTENDED_CLASS: FacePresetEntry = {
  id: 'lfw-extended-class',
  aliases: ['lfw'],
  description:
    'LFW peopleDevTrain (>= 4 images, 430 identities) at 56x56; old model on the first 30% of identities; evaluated on pairsDevTest and 1:N over peopleDevTest',
  trainIdentities: 'peopleDevTrain.txt',
  minImages: 4,
  oldShare: 0.3,
  testIdentities: 'peopleDevTest.txt',
  testMinImages: 4,
  pairs: 'pairsDevTest.txt',
  inputSize: 56,
  backbone: { type: 'iresnet-18', widthMultiplier: 0.125, embeddingDim: 128 },
  oldHead: { type: 'arcface', scale: 32, margin: 0.3 },
  newHead: { type: 'arcface', scale: 32, margin: 0.3 },
  oldEpochs: 10,
  newEpochs: 6,
  initFromOld: true,
  batchSize: 64,
  learningRate: 0.1,
  methodOptions: {
    mixbct: { ratio: 0.3 },
    unibct: { startEpoch: 2, refreshEpochs: [2, 3] },
    bt2: { initialBasis: 'identity' },
  },
  methods: [...FACE_BENCHMARK_METHODS, 'bt2'],
  methodBackbones: { bt2: { embeddingDim: 256 } },
  adapters: ['procrustes', 'affine', 'mlp', 'fct'],
  adapterSupport: { identities: 'peopleDevTrain.txt', minImages: 1 },
};

/** The same pipeline in a few minutes, for the test suite: fewer identities, small input, 1 epoch. */
const LFW_SMOKE: FacePresetEntry = {
  ...LFW_EXTENDED_CLASS,
  id: 'lfw-smoke',
  aliases: [],
  description:
    'the lfw-extended-class pipeline in minutes: identities with >= 20 images, 28x28, 1 epoch',
  minImages: 20,
  testMinImages: 20,
  inputSize: 28,
  backbone: { type: 'iresnet-18', widthMultiplier: 1 / 16, embeddingDim: 32 },
  oldEpochs: 1,
  newEpochs: 1,
  methodOptions: {
    mixbct: { ratio: 0.3 },
    unibct: { startEpoch: 1, refreshEpochs: [1] },
    bt2: { initialBasis: 'identity' },
  },
  methodBackbones: { bt2: { embeddingDim: 64 } },
  adapterSupport: { identities: 'peopleDevTrain.txt', minImages: 10 },
};

/** The face-benchmark presets (`pnpm bench faces --preset <id>`). */
export const facePresets: Registry<FacePresetEntry> = (() => {
  const registry = new Registry<FacePresetEntry>('face preset');
  registry.register(LFW_EXTENDED_CLASS);
  registry.register(LFW_SMOKE);
  return registry;
})();
