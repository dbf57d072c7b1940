import {
  findBackendFactory,
  getBackend,
  ready,
  setBackend,
  version_core,
} from '@tensorflow/tfjs-core';
import { BackendUnavailableError, BctkitError } from '../errors/index.js';
import { installCpuKernels } from '../kernels/install-cpu-kernels.js';
import { AUTO_BACKEND_ORDER, type BackendId, type BackendSpec, backends } from './backends.js';
import { createModuleLoader, type ModuleLoader } from './module-loader.js';
import { registerGradients } from './register-gradients.js';

/** `'auto'`, one backend id or alias, or an ordered list of them to try. */
export type BackendPreference = 'auto' | BackendId | (string & {}) | readonly string[];

/** What the backend will be used for: `inference` also allows `wasm`. */
export type BackendPurpose = 'training' | 'inference';

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /** Default `training`: refuses backends that cannot train. */
  purpose?: BackendPurpose;
  /** How optional packages are found and imported; see {@link createModuleLoader}. */
  loader?: ModuleLoader;
}

/** One backend tried by {@link useBackend}, and why it was or was not chosen. */
export interface BackendAttempt {
  readonly backend: BackendId;
  readonly ok: boolean;
  /** Why it was skipped; absent when `ok`. */
  readonly reason?: string;
}

/** The backend in use after {@link useBackend}. */
export interface BackendInfo {
  /** bctkit id, e.g. `tensorflow-gpu`. */
  readonly backend: BackendId;
  /** Name registered with tfjs, as `tf.getBackend()` reports it. */
  readonly tfName: string;
  readonly packageName: string;
  /** Version of the backend package. */
  readonly version: string | undefined;
  /** Version of `@tensorflow/tfjs-core`. */
  readonly tfjsCoreVersion: string;
  /** Every backend considered, in order. */
  readonly attempts: readonly BackendAttempt[];
}

/** The exact command that installs a backend's package at the tfjs-core version in use. */
export function installCommand(spec: BackendSpec): string {
  return `npm install ${spec.packageName}@${version_core}`;
}

function notInstalledError(spec: BackendSpec): BackendUnavailableError {
  const requirements = spec.requirements === undefined ? '' : ` ${spec.requirements}`;
  return new BackendUnavailableError(
    spec.id,
    `Backend '${spec.id}' needs the package ${spec.packageName}, which is not installed. ` +
      `Install it with: ${installCommand(spec)} (or pnpm add ${spec.packageName}@${version_core}).${requirements}`,
  );
}

async function activate(
  spec: BackendSpec,
  purpose: BackendPurpose,
  loader: ModuleLoader,
): Promise<string | undefined> {
  if (purpose === 'training' && !spec.canTrain) {
    throw new BackendUnavailableError(
      spec.id,
      `Backend '${spec.id}' cannot train convolutional networks (it has no Conv2DBackpropFilter kernel). ` +
        "Use it for inference only (purpose: 'inference'), or choose 'cpu' or 'tensorflow' for training.",
    );
  }
  const version = loader.installedVersion(spec.packageName);
  if (findBackendFactory(spec.tfName) === null) {
    if (version === undefined) throw notInstalledError(spec);
    try {
      await loader.load(spec.packageName);
    } catch (cause) {
      throw new BackendUnavailableError(
        spec.id,
        `Backend '${spec.id}': ${spec.packageName}@${version} is installed but failed to load ` +
          `(${cause instanceof Error ? cause.message : String(cause)}). ${spec.loadFailureHint}`,
        { cause },
      );
    }
    if (findBackendFactory(spec.tfName) === null) {
      throw new BackendUnavailableError(
        spec.id,
        `Backend '${spec.id}': ${spec.packageName} loaded but registered no '${spec.tfName}' backend with ` +
          `this copy of @tensorflow/tfjs-core (${version_core}). Two copies of tfjs-core are probably ` +
          'installed; make them one (npm dedupe, or a pnpm/npm override pinning @tensorflow/tfjs-core).',
      );
    }
  }
  const initialised = await setBackend(spec.tfName);
  await ready();
  if (!initialised || getBackend() !== spec.tfName) {
    throw new BackendUnavailableError(
      spec.id,
      `Backend '${spec.id}' is registered but failed to initialise. ${spec.loadFailureHint}`,
    );
  }
  if (spec.tfName === 'cpu') installCpuKernels();
  return version;
}

/**
 * Chooses and activates the tfjs backend for this process.
 *
 * - `'auto'` (default) tries `tensorflow-gpu`, `tensorflow`, then `cpu`, skipping any whose
 *   package is not installed or does not load; the attempts are reported.
 * - A single id or alias (`'cpu'`, `'tensorflow'`, `'gpu'`, `'wasm'`) must work, or this throws.
 * - A list is tried in order; the first that works wins.
 *
 * Optional packages are imported with dynamic `import()` only when tried, so none of them is
 * required to install bctkit. Gradient functions are registered too ({@link registerGradients}),
 * and on `cpu` bctkit's faster JavaScript kernels replace slow ones ({@link installCpuKernels}).
 *
 * @throws {@link BackendUnavailableError} with the exact install command (and, for the GPU
 * package, its CUDA 11.2 / cuDNN 8.1 requirement) when a requested backend cannot be used.
 * @throws {@link UnknownComponentError} for a misspelt backend name.
 */
export async function useBackend(
  preference: BackendPreference = 'auto',
  options: UseBackendOptions = {},
): Promise<BackendInfo> {
  const { purpose = 'training', loader = createModuleLoader() } = options;
  await registerGradients();
  const automatic = preference === 'auto';
  const names = automatic
    ? AUTO_BACKEND_ORDER
    : typeof preference === 'string'
      ? [preference]
      : preference;
  const candidates = names.map((name) => backends.get(name));
  const attempts: BackendAttempt[] = [];
  const failures: BackendUnavailableError[] = [];
  for (const spec of candidates) {
    try {
      const version = await activate(spec, purpose, loader);
      attempts.push({ backend: spec.id, ok: true });
      return {
        backend: spec.id,
        tfName: spec.tfName,
        packageName: spec.packageName,
        version,
        tfjsCoreVersion: version_core,
        attempts,
      };
    } catch (error) {
      if (!BctkitError.hasCode(error, 'BACKEND_UNAVAILABLE')) throw error;
      attempts.push({ backend: spec.id, ok: false, reason: error.message });
      failures.push(error as BackendUnavailableError);
    }
  }
  if (failures.length === 1) throw failures[0]!;
  throw new BackendUnavailableError(
    candidates.map((spec) => spec.id).join(','),
    `No usable backend among ${candidates.map((spec) => `'${spec.id}'`).join(', ')}:\n` +
      failures.map((failure) => `  - ${failure.message}`).join('\n'),
  );
}
