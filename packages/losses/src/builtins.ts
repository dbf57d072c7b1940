import { type ComponentSpec, parseConfig, Registry } from '@bctkit/tensor-ops';
import { z } from 'zod';
import { advBctSpec } from './compat/advbct.js';
import { bctSpec } from './compat/bct.js';
import { bt2Spec } from './compat/bt2.js';
import type { CompatibilityLoss } from './compat/compatibility-loss.js';
import { l2Spec, weakenedL2Spec } from './compat/l2.js';
import { lceSpec } from './compat/lce.js';
import { mixBctSpec } from './compat/mixbct.js';
import { ncclSpec } from './compat/nccl.js';
import { noneSpec } from './compat/none.js';
import { checkResource, type Resources, requireResource } from './compat/resources.js';
import type { CompatibilitySpec } from './compat/spec.js';
import { uniBctSpec } from './compat/unibct.js';
import { type ClassificationHead, MarginHead } from './heads/margin-head.js';
import { SimplexHead } from './heads/simplex-head.js';
import { SoftmaxHead } from './heads/softmax-head.js';

export { type CompatibilitySpec, defineCompatibilityLoss } from './compat/spec.js';

/** What every head needs besides its config. */
export interface HeadContext {
  readonly numClasses: number;
  readonly embeddingDim: number;
  /** Seed of the weight initialisation (and Partial FC sampling). Default 0. */
  readonly seed?: number;
}

/** A registered classification head. Define one with {@link defineHead}. */
export interface HeadSpec<Config extends { type: string } = { type: string }>
  extends ComponentSpec<Config> {
  /** Builds the head for a parsed config. */
  create(config: Config, context: HeadContext): ClassificationHead;
}

/**
 * Defines a head: `create` receives the config as its schema parses it (defaults filled in),
 * typed from the schema.
 */
export function defineHead<Schema extends z.ZodType<{ type: string }>>(
  spec: HeadSpec<z.output<Schema>> & { readonly configSchema: Schema },
): HeadSpec {
  return spec;
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

/** The options every margin head shares besides its margin. */
interface MarginHeadConfig {
  readonly type: string;
  readonly scale: number;
  readonly sampleRate: number;
  readonly gradient?: 'exact' | 'straight-through';
}

function marginHeadSpec<Config extends MarginHeadConfig>(
  id: string,
  description: string,
  schema: z.ZodType<Config>,
  toMargin: (config: Config) => { m1: number; m2: number; m3: number },
  aliases: string[] = [],
): HeadSpec {
  return defineHead({
    id,
    aliases,
    description,
    specVersion: 1,
    configSchema: schema,
    create: (config, context) =>
      new MarginHead(id, {
        ...context,
        ...toMargin(config),
        scale: config.scale,
        sampleRate: config.sampleRate,
        ...(config.gradient === undefined ? {} : { gradient: config.gradient }),
      }),
  });
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
    (config) => ({ m1: 1, m2: config.margin, m3: 0 }),
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
    (config) => ({ m1: 1, m2: 0, m3: config.margin }),
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
    (config) => ({ m1: config.m1, m2: config.m2, m3: config.m3 }),
  ),
  marginHeadSpec(
    'normalised-linear',
    'cosine classifier without margin: s * cos(theta)',
    z.strictObject({
      type: z.literal('normalised-linear'),
      scale: z.number().positive().default(64),
      sampleRate,
    }),
    () => ({ m1: 1, m2: 0, m3: 0 }),
    ['normalized-linear', 'cosine'],
  ),
  defineHead({
    id: 'dsimplex',
    aliases: ['d-simplex', 'simplex'],
    description:
      'fixed classifier on the vertices of a regular simplex (stationary, compatible features)',
    specVersion: 1,
    configSchema: simplexConfigSchema,
    create: ({ vertices, scale, normalize }, context) =>
      new SimplexHead({
        ...context,
        ...(vertices === undefined ? {} : { vertices }),
        scale,
        normalize,
      }),
  }),
  defineHead({
    id: 'softmax',
    description: 'linear classifier with bias and softmax cross-entropy on raw embeddings',
    specVersion: 1,
    configSchema: z.strictObject({ type: z.literal('softmax') }),
    create: (_config, context) => new SoftmaxHead(context),
  }),
];

/**
 * Classification heads by id: `arcface`, `cosface`, `combined`, `normalised-linear`, `dsimplex`,
 * `softmax`.
 */
export const heads: Registry<HeadSpec> = createHeadRegistry();

/** A new registry holding the built-in heads (for a trainer given its own registries). */
export function createHeadRegistry(): Registry<HeadSpec> {
  const registry = new Registry<HeadSpec>('head');
  for (const spec of HEADS) registry.register(spec);
  return registry;
}

/**
 * Builds a head from a config such as `{ type: 'arcface' }` or `{ type: 'cosface', margin: 0.35 }`.
 * @throws {@link @bctkit/tensor-ops!UnknownComponentError} / {@link @bctkit/tensor-ops!InvalidConfigError}
 */
export function createHead(
  config: { type: string } & Record<string, unknown>,
  context: HeadContext,
  path = 'head',
  registry: Registry<HeadSpec> = heads,
): ClassificationHead {
  const spec = registry.get(config.type);
  return spec.create(parseConfig(spec.configSchema, { ...config, type: spec.id }, path), context);
}

/** The built-in compatibility methods: one line each, the spec lives beside the loss. */
const COMPATIBILITY: readonly CompatibilitySpec[] = [
  noneSpec,
  l2Spec,
  weakenedL2Spec,
  bctSpec,
  bt2Spec,
  mixBctSpec,
  uniBctSpec,
  lceSpec,
  advBctSpec,
  ncclSpec,
];

/** Compatibility methods by id: the built-ins, and any a plugin registers. */
export const compatibilityLosses: Registry<CompatibilitySpec> = createCompatibilityRegistry();

/** A new registry holding the built-in compatibility methods. */
export function createCompatibilityRegistry(): Registry<CompatibilitySpec> {
  const registry = new Registry<CompatibilitySpec>('compatibility loss');
  for (const spec of COMPATIBILITY) registry.register(spec);
  return registry;
}

/**
 * Builds a compatibility loss from a config such as `{ type: 'mixbct', ratio: 0.3 }` and the
 * method's own context (e.g. `{ prototypes }` for BCT; see each method's page). A trainer that
 * has resources instead uses {@link prepareCompatibilityLoss}.
 * @throws {@link @bctkit/tensor-ops!UnknownComponentError} / {@link @bctkit/tensor-ops!InvalidConfigError}
 */
export function createCompatibilityLoss(
  config: { type: string } & Record<string, unknown>,
  context: object = {},
  path = 'loss',
  registry: Registry<CompatibilitySpec> = compatibilityLosses,
): CompatibilityLoss {
  const spec = registry.get(config.type);
  return spec.create(parseConfig(spec.configSchema, { ...config, type: spec.id }, path), context);
}

/**
 * Builds a compatibility loss from its config and the run's resources: checks that every resource
 * the method declares is there and fits (rows, columns, values), runs its `prepare`, then
 * `create`. The resources' keys are named in errors as `resources.<key>`.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} naming the missing or wrong resource.
 */
export async function prepareCompatibilityLoss(
  config: { type: string } & Record<string, unknown>,
  resources: Resources,
  path = 'loss',
  registry: Registry<CompatibilitySpec> = compatibilityLosses,
): Promise<CompatibilityLoss> {
  const spec = registry.get(config.type);
  const parsed = parseConfig(spec.configSchema, { ...config, type: spec.id }, path);
  for (const resource of spec.resources) {
    const matrix = requireResource(resources, resource);
    checkResource(
      resource,
      matrix,
      {
        images: resources.labels.length,
        classes: resources.numClasses,
        embeddingDim: resources.embeddingDim,
      },
      `resources.${resource.key}`,
      `the ${resource.key} resource`,
    );
  }
  return spec.create(parsed, await spec.prepare(resources));
}
