import { availableParallelism, cpus, totalmem } from 'node:os';
import { engine, version_core } from '@tensorflow/tfjs-core';
import { backends } from './backends.js';
import { createModuleLoader, type ModuleLoader } from './module-loader.js';

/** An optional package and whether it is installed. */
export interface PackagePresence {
  readonly name: string;
  readonly installed: boolean;
  readonly version: string | undefined;
}

/** The environment bctkit runs in, as `bct env` reports it. */
export interface RuntimeReport {
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** Logical CPUs this process may use. */
  readonly cpuCount: number;
  readonly cpuModel: string | undefined;
  readonly totalMemoryBytes: number;
  readonly tfjsCoreVersion: string;
  /** The active tfjs backend name, or `null` when none has been chosen yet. */
  readonly activeBackend: string | null;
  /** Backend packages (and any extra ones asked for) with their installed versions. */
  readonly packages: readonly PackagePresence[];
}

/** Options of {@link describeRuntime}. */
export interface DescribeRuntimeOptions {
  /** More optional packages to report on, e.g. native kernel add-ons. */
  extraPackages?: readonly string[];
  loader?: ModuleLoader;
}

/** Node, CPU, memory, tfjs and optional-package facts about this process. Loads nothing. */
export function describeRuntime(options: DescribeRuntimeOptions = {}): RuntimeReport {
  const { extraPackages = [], loader = createModuleLoader() } = options;
  const names = [...backends.list().map((spec) => spec.packageName), ...extraPackages];
  const packages = [...new Set(names)].map((name) => {
    const version = loader.installedVersion(name);
    return { name, installed: version !== undefined, version };
  });
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpuCount: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    totalMemoryBytes: totalmem(),
    tfjsCoreVersion: version_core,
    // Read the engine's field directly: tf.getBackend() would initialise a default backend.
    activeBackend: engine().backendName ?? null,
    packages,
  };
}
