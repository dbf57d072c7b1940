import { Registry, type RegistryEntry } from '../registry/registry.js';

/** Canonical ids of the tfjs backends bctkit knows how to load. */
export type BackendId = 'tensorflow-gpu' | 'tensorflow' | 'cpu' | 'wasm';

/** What bctkit knows about one tfjs backend. */
export interface BackendSpec extends RegistryEntry {
  readonly id: BackendId;
  /** Name under which the package registers itself with tfjs (`tf.setBackend(name)`). */
  readonly tfName: string;
  /** npm package that provides it. */
  readonly packageName: string;
  /** Whether every training kernel exists (wasm lacks `Conv2DBackpropFilter`). */
  readonly canTrain: boolean;
  /** Host requirements beyond the npm package, shown in install hints. */
  readonly requirements?: string;
  /** What to check when the package is installed but fails to load. */
  readonly loadFailureHint: string;
}

const BUILTIN_BACKENDS: readonly BackendSpec[] = [
  {
    id: 'tensorflow-gpu',
    aliases: ['gpu', 'cuda', 'tfjs-node-gpu', 'node-gpu'],
    description: 'Native TensorFlow with CUDA (production training)',
    tfName: 'tensorflow',
    packageName: '@tensorflow/tfjs-node-gpu',
    canTrain: true,
    requirements:
      'It needs Linux x86-64, an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1 on the library path, ' +
      'and internet access during install (its install script downloads libtensorflow 2.9.1).',
    loadFailureHint:
      'Check that CUDA 11.2 and cuDNN 8.1 are installed and on LD_LIBRARY_PATH, and that the ' +
      'install script completed (npm rebuild @tensorflow/tfjs-node-gpu).',
  },
  {
    id: 'tensorflow',
    aliases: ['node', 'tfjs-node', 'native'],
    description: 'Native TensorFlow on the CPU',
    tfName: 'tensorflow',
    packageName: '@tensorflow/tfjs-node',
    canTrain: true,
    requirements:
      'It needs internet access during install (its install script downloads libtensorflow 2.9.1).',
    loadFailureHint: 'Check that its install script completed (npm rebuild @tensorflow/tfjs-node).',
  },
  {
    id: 'cpu',
    aliases: ['js', 'tfjs-backend-cpu'],
    description: 'Pure JavaScript kernels; works everywhere, slowest',
    tfName: 'cpu',
    packageName: '@tensorflow/tfjs-backend-cpu',
    canTrain: true,
    loadFailureHint: 'Reinstall it; it has no native parts.',
  },
  {
    id: 'wasm',
    aliases: ['tfjs-backend-wasm', 'webassembly'],
    description: 'WebAssembly kernels; inference only (no Conv2DBackpropFilter)',
    tfName: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    canTrain: false,
    loadFailureHint: 'Check that its .wasm files sit beside its dist/ files.',
  },
];

/** A registry holding the built-in backends. */
function createBackendRegistry(): Registry<BackendSpec> {
  const registry = new Registry<BackendSpec>('backend');
  for (const spec of BUILTIN_BACKENDS) registry.register(spec);
  return registry;
}

/** The backends bctkit can use, looked up by id or alias (`gpu`, `node`, `tfjs-node`, ...). */
export const backends: Registry<BackendSpec> = createBackendRegistry();

/** The order tried by `useBackend('auto')`: fastest first, always ending with `cpu`. */
export const AUTO_BACKEND_ORDER: readonly BackendId[] = ['tensorflow-gpu', 'tensorflow', 'cpu'];
