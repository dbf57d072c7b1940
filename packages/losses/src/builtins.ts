import { parseConfig, Registry, type RegistryEntry } from '@bctkit/tensor-ops';
import { z } from 'zod';
import { type AdvBctContext, advBctConfigSchema, createAdvBctLoss } from './compat/advbct.js';
import { type BctContext, bctConfigSchema, createBctLoss } from './compat/bct.js';
import { type Bt2Context, bt2ConfigSchema, createBt2Loss } from './compat/bt2.js';
import type { CompatibilityLoss } from './compat/compatibility-loss.js';
import { createL2Loss, l2ConfigSchema, weakenedL2ConfigSchema } from './compat/l2.js';
import { createLceLoss, type LceContext, lceConfigSchema } from './compat/lce.js';
import { createMixBctLoss, mixBctConfigSchema } from './compat/mixbct.js';
import { createNcclLoss, ncclConfigSchema } from './compat/nccl.js';
import { createNoCompatibility } from './compat/none.js';
import { createUniBctLoss, uniBctConfigSchema } from './compat/unibct.js';
import { type ClassificationHead, MarginHead } from './heads/margin-head.js';
import { SimplexHead } from './heads/simplex-head.js';
import { SoftmaxHead } from './heads/softmax-head.js';

/** What every head needs besides its config. */
export interface HeadContext {
  readonly numClasses: number;
  readonly embeddingDim: number;
  /** Seed of the weight initialisation (and Partial FC sampling). Default 0. */
  readonly seed?: number;
}

/** A registered classification head. */
export interface HeadSpec extends RegistryEntry {
  readonly specVersion: 1;
  /** Strict schema of the config, `type` included; defaults filled in. */
  readonly configSchema: z.ZodType<{ type: string }>;
  create(config: { type: string }, context: HeadContext): ClassificationHead;
}

const sampleRate = z.number().gt(0).max(1).default(1);

/** Config of the `dsimplex` head ({@link SimplexHead}). */
const simplexConfigSchema = z.strictObject({
  type: z.literal('dsimplex'),
  /**
   * Vertices of the simplex (default: the classes): the same count for every generation, at
   * least the number of classes of the largest, at most embeddingDim + 1.
   */
  vertices: z.number().int().min(2).optional(),
  /** Multiplies the logits. Default 1. */
  scale: z.number().positive().default(1),
  /** Classify normalised embeddings (cosines). Default false. */
  normalize: z.boolean().default(false),
});

function marginHeadSpec<S extends z.ZodObject>(
  id: string,
  description: string,
  schema: S,
  toMargin: (config: z.output<S>) => { scale: number; m1: number; m2: number; m3: number },
  aliases: string[] = [],
): HeadSpec {
  return {
    id,
    aliases,
    description,
    specVersion: 1,
    configSchema: schema as unknown as z.ZodType<{ type: string }>,
    create: (config, context) => {
      const parsed = config as unknown as z.output<S> & {
        sampleRate: number;
        gradient?: 'exact' | 'straight-through';
      };
      return new MarginHead(id, {
        ...context,
        ...toMargin(parsed),
        sampleRate: parsed.sampleRate,
        ...(parsed.gradient === undefined ? {} : { gradient: parsed.gradient }),
      });
    },
  };
}

const HEADS: HeadSpec[] = [
  marginHeadSpec(
    'arcface',
    'ArcFace additive angular margin: s * cos(theta + m) on the target (insightface: s 64, m 0.5)',
    z.strictObject({
      type: z.literal('arcface'),
      scale: z.number().positive().default(64),
      margin: z
        .number()
        .min(0)
        .max(Math.PI / 2)
        .default(0.5),
      gradient: z.enum(['exact', 'straight-through']).default('exact'),
      sampleRate,
    }),
    (config) => ({ scale: config.scale, m1: 1, m2: config.margin, m3: 0 }),
    ['arc'],
  ),
  marginHeadSpec(
    'cosface',
    'CosFace additive cosine margin: s * (cos(theta) - m) on the target (insightface: s 64, m 0.4)',
    z.strictObject({
      type: z.literal('cosface'),
      scale: z.number().positive().default(64),
      margin: z.number().min(0).max(1).default(0.4),
      sampleRate,
    }),
    (config) => ({ scale: config.scale, m1: 1, m2: 0, m3: config.margin }),
    ['cos'],
  ),
  marginHeadSpec(
    'combined',
    "insightface's combined margin s * (cos(m1 * theta + m2) - m3)",
    z.strictObject({
      type: z.literal('combined'),
      scale: z.number().positive().default(64),
      m1: z.number().positive().default(1),
      m2: z.number().min(0).default(0.3),
      m3: z.number().min(0).default(0.2),
      sampleRate,
    }),
    (config) => ({ scale: config.scale, m1: config.m1, m2: config.m2, m3: config.m3 }),
  ),
  marginHeadSpec(
    'normalised-linear',
    'cosine classifier without margin: s * cos(theta)',
    z.strictObject({
      type: z.literal('normalised-linear'),
      scale: z.number().positive().default(64),
      sampleRate,
    }),
    (config) => ({ scale: config.scale, m1: 1, m2: 0, m3: 0 }),
    ['normalized-linear', 'cosine'],
  ),
  {
    id: 'dsimplex',
    aliases: ['d-simplex', 'simplex'],
    description:
      'fixed classifier on the vertices of a regular simplex (stationary, compatible features)',
    specVersion: 1,
    configSchema: simplexConfigSchema as unknown as z.ZodType<{ type: string }>,
    create: (config, context) => {
      const { vertices, scale, normalize } = config as z.output<typeof simplexConfigSchema>;
      return new SimplexHead({
        ...context,
        ...(vertices === undefined ? {} : { vertices }),
        scale,
        normalize,
      });
    },
  },
  {
    id: 'softmax',
    description: 'linear classifier with bias and softmax cross-entropy on raw embeddings',
    specVersion: 1,
    configSchema: z.strictObject({ type: z.literal('softmax') }),
    create: (_config, context) => new SoftmaxHead(context),
  },
];

/**
 * Classification heads by id: `arcface`, `cosface`, `combined`, `normalised-linear`, `dsimplex`,
 * `softmax`.
 */
export const heads: Registry<HeadSpec> = (() => {
  const registry = new Registry<HeadSpec>('head');
  for (const spec of HEADS) registry.register(spec);
  return registry;
})();

/**
 * Builds a head from a config such as `{ type: 'arcface' }` or `{ type: 'cosface', margin: 0.35 }`.
 * @throws {@link @bctkit/tensor-ops!UnknownComponentError} / {@link @bctkit/tensor-ops!InvalidConfigError}
 */
export function createHead(
  config: { type: string } & Record<string, unknown>,
  context: HeadContext,
  path = 'head',
): ClassificationHead {
  const spec = heads.get(config.type);
  return spec.create(parseConfig(spec.configSchema, { ...config, type: spec.id }, path), context);
}

/** What compatibility losses may need besides their config. */
export interface CompatibilityContext
  extends Partial<BctContext>,
    Partial<Omit<LceContext, 'centres'>>,
    Partial<Omit<AdvBctContext, 'centres'>> {
  /** Width of the new model's embeddings (BT² builds its basis transformation for it). */
  readonly embeddingDim?: number;
  /** Old class centres: `lceClassCentres` output for `lce`, `advBctClassBoundaries` for `advbct`. */
  readonly centres?: LceContext['centres'];
}

/** A registered compatibility method. */
export interface CompatibilitySpec extends RegistryEntry {
  readonly specVersion: 1;
  readonly configSchema: z.ZodType<{ type: string }>;
  /** What the method needs at training time, for `bct list` and the docs. */
  readonly needs: readonly (
    | 'old-features'
    | 'credible-mask'
    | 'prototypes'
    | 'lce-centres'
    | 'advbct-boundaries'
  )[];
  /**
   * How the width of the old features / prototypes must relate to the new embedding: `equal`
   * (default: the method compares them directly) or `at-most` (the method maps the new
   * embedding into the old space itself, as BT² does).
   */
  readonly oldWidth?: 'equal' | 'at-most';
  create(config: { type: string }, context: CompatibilityContext): CompatibilityLoss;
}

const COMPATIBILITY: CompatibilitySpec[] = [
  {
    id: 'none',
    description: 'no compatibility constraint (the unconstrained new model)',
    specVersion: 1,
    configSchema: z.strictObject({ type: z.literal('none') }),
    needs: [],
    create: () => createNoCompatibility(),
  },
  {
    id: 'l2',
    description: 'L2 regression of normalised new features to old ones',
    specVersion: 1,
    configSchema: l2ConfigSchema as unknown as z.ZodType<{ type: string }>,
    needs: ['old-features'],
    create: (config) => createL2Loss(config as z.output<typeof l2ConfigSchema>),
  },
  {
    id: 'weakened-l2',
    description:
      "MixBCT repository's weakened L2: distances below a tolerance (default 0.2) are not penalised",
    specVersion: 1,
    configSchema: weakenedL2ConfigSchema as unknown as z.ZodType<{ type: string }>,
    needs: ['old-features'],
    create: (config) => createL2Loss(config as z.output<typeof weakenedL2ConfigSchema>),
  },
  {
    id: 'bct',
    aliases: ['influence'],
    description: "BCT's influence loss through frozen old class prototypes",
    specVersion: 1,
    configSchema: bctConfigSchema as unknown as z.ZodType<{ type: string }>,
    needs: ['prototypes'],
    create: (config, context) =>
      createBctLoss(config as z.output<typeof bctConfigSchema>, context as BctContext),
  },
  {
    id: 'bt2',
    description:
      "BT²: BCT's influence loss on the first old-width coordinates of a learned orthonormal basis transformation, the rest left free",
    specVersion: 1,
    configSchema: bt2ConfigSchema as unknown as z.ZodType<{ type: string }>,
    needs: ['prototypes'],
    oldWidth: 'at-most',
    create: (config, context) =>
      createBt2Loss(config as z.output<typeof bt2ConfigSchema>, context as Bt2Context),
  },
  {
    id: 'mixbct',
    description: 'MixBCT: replace a share of each batch with credible old features, one head loss',
    specVersion: 1,
    configSchema: mixBctConfigSchema as unknown as z.ZodType<{ type: string }>,
    needs: ['old-features', 'credible-mask'],
    create: (config) => createMixBctLoss(config as z.output<typeof mixBctConfigSchema>),
  },
  {
    id: 'unibct',
    description: 'UniBCT: BCT through prototypes refined by structural propagation during training',
    specVersion: 1,
    configSchema: uniBctConfigSchema as unknown as z.ZodType<{ type: string }>,
    needs: ['prototypes', 'old-features'],
    create: (config, context) =>
      createUniBctLoss(config as z.output<typeof uniBctConfigSchema>, context),
  },
  {
    id: 'lce',
    description:
      'LCE: align the classifier to old class centres, keep features inside old boundaries',
    specVersion: 1,
    configSchema: lceConfigSchema as unknown as z.ZodType<{ type: string }>,
    needs: ['lce-centres'],
    create: (config, context) =>
      createLceLoss(config as z.output<typeof lceConfigSchema>, context as LceContext),
  },
  {
    id: 'advbct',
    description:
      'AdvBCT: elastic point-to-set boundaries plus an adversarial old/new discriminator',
    specVersion: 1,
    configSchema: advBctConfigSchema as unknown as z.ZodType<{ type: string }>,
    needs: ['old-features', 'advbct-boundaries'],
    create: (config, context) =>
      createAdvBctLoss(config as z.output<typeof advBctConfigSchema>, context as AdvBctContext),
  },
  {
    id: 'nccl',
    description: 'NCCL: weighted supervised contrast of new features against a queue of old ones',
    specVersion: 1,
    configSchema: ncclConfigSchema as unknown as z.ZodType<{ type: string }>,
    needs: ['old-features'],
    create: (config) => createNcclLoss(config as z.output<typeof ncclConfigSchema>),
  },
];

/** Compatibility methods by id. */
export const compatibilityLosses: Registry<CompatibilitySpec> = (() => {
  const registry = new Registry<CompatibilitySpec>('compatibility loss');
  for (const spec of COMPATIBILITY) registry.register(spec);
  return registry;
})();

/**
 * Builds a compatibility loss from a config such as `{ type: 'mixbct', ratio: 0.3 }`.
 * @throws {@link @bctkit/tensor-ops!UnknownComponentError} / {@link @bctkit/tensor-ops!InvalidConfigError}
 */
export function createCompatibilityLoss(
  config: { type: string } & Record<string, unknown>,
  context: CompatibilityContext = {},
  path = 'loss',
): CompatibilityLoss {
  const spec = compatibilityLosses.get(config.type);
  return spec.create(parseConfig(spec.configSchema, { ...config, type: spec.id }, path), context);
}
