import {
  type CompatibilitySpec,
  CREDIBLE_FLAGS,
  checkResource,
  OLD_FEATURES,
  PROTOTYPES,
  type ResourceDimensions,
  type ResourceSpec,
} from '@bctkit/losses';
import { type HostMatrix, InvalidConfigError, readNpy } from '@bctkit/tensor-ops';
import type { TrainConfig } from './train-config.js';

/**
 * The resources whose files a training config may also give as top-level keys
 * (`oldFeatures`, `credible`, `prototypes`), because bctkit's own commands make them.
 */
export const STANDARD_RESOURCES: readonly ResourceSpec[] = [
  OLD_FEATURES,
  CREDIBLE_FLAGS,
  PROTOTYPES,
];

/** A resource file of a run: what the method declared, and where the config names it. */
export interface RunResource {
  readonly spec: ResourceSpec;
  /** The `.npy` file. */
  readonly file: string;
  /** The config key, for messages: `config.oldFeatures` or `config.resources.<key>`. */
  readonly where: string;
}

/** What {@link resolveResources} found in the config. */
export interface ResolvedResources {
  /** The method's declared resources, each with its file. */
  readonly used: readonly RunResource[];
  /** Standard resources the config gives but the method does not use (not read). */
  readonly ignored: readonly string[];
}

/**
 * Matches the resources a compatibility method declares with the files the config gives
 * (`resources.<key>`, or the top-level shorthand of a standard one), without reading them.
 *
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} naming the config key when a declared resource is missing,
 *   a resource is given twice, or `resources` names one the method does not declare (a typo).
 */
export function resolveResources(
  config: TrainConfig,
  method: CompatibilitySpec,
): ResolvedResources {
  const given = new Map<string, { file: string; where: string }>();
  for (const standard of STANDARD_RESOURCES) {
    const file = config[standard.key as 'oldFeatures' | 'credible' | 'prototypes'];
    if (file !== undefined) given.set(standard.key, { file, where: `config.${standard.key}` });
  }
  const declared = new Map(method.resources.map((spec) => [spec.key, spec]));
  const declaredKeys =
    declared.size === 0 ? 'none' : [...declared.keys()].map((key) => `'${key}'`).join(', ');
  for (const [key, file] of Object.entries(config.resources ?? {})) {
    const where = `config.resources.${key}`;
    if (given.has(key))
      throw new InvalidConfigError(where, `given twice: also as config.${key}; keep one of them`);
    if (!declared.has(key))
      throw new InvalidConfigError(
        where,
        `${method.id} declares no resource '${key}' (it declares: ${declaredKeys}; bct list losses shows each method's)`,
      );
    given.set(key, { file, where });
  }
  const used: RunResource[] = [];
  for (const spec of method.resources) {
    const file = given.get(spec.key);
    if (file === undefined) {
      const standard = STANDARD_RESOURCES.some((resource) => resource.key === spec.key);
      throw new InvalidConfigError(
        standard ? `config.${spec.key}` : `config.resources.${spec.key}`,
        `${method.id} needs ${spec.description}`,
      );
    }
    used.push({ spec, ...file });
  }
  return { used, ignored: [...given.keys()].filter((key) => !declared.has(key)) };
}

/**
 * Reads the run's resource files and checks each against its declaration and the run (rows,
 * columns, finite values or 0/1 flags), before any model is built.
 *
 * @returns the matrices by resource key.
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} naming the config key and the file.
 */
export async function loadResources(
  resources: readonly RunResource[],
  dimensions: ResourceDimensions,
): Promise<Map<string, HostMatrix>> {
  const matrices = new Map<string, HostMatrix>();
  for (const { spec, file, where } of resources) {
    const matrix = await readNpy(file);
    checkResource(spec, matrix, dimensions, where, file);
    matrices.set(spec.key, matrix);
  }
  return matrices;
}

/** Files of the standard resources, by their config key. */
export type StandardResourceFiles = Partial<
  Record<'oldFeatures' | 'credible' | 'prototypes', string>
>;

/**
 * The config keys giving a method the standard resources it declares, picked from `files`
 * (what bctkit's pipelines made): what a pipeline writes into a generated training config.
 */
export function declaredResourceFiles(
  method: CompatibilitySpec,
  files: StandardResourceFiles,
): StandardResourceFiles {
  const picked: StandardResourceFiles = {};
  for (const { key } of method.resources) {
    if (key === 'oldFeatures' || key === 'credible' || key === 'prototypes') {
      const file = files[key];
      if (file !== undefined) picked[key] = file;
    }
  }
  return picked;
}
