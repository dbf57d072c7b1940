import { describe, expect, it } from 'vitest';
import * as api from './index.js';

// The runtime exports are public API: removing or renaming one is a breaking change that needs a
// major changeset. Update this list deliberately.
describe('@bctkit/tensor-ops public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'AUTO_BACKEND_ORDER',
        'BUILT_IN',
        'BackendUnavailableError',
        'BctkitError',
        'DatasetFormatError',
        'DuplicateComponentError',
        'IndexOutOfRangeError',
        'InvalidConfigError',
        'NpyFile',
        'Registry',
        'SeededRandom',
        'ShapeMismatchError',
        'UnknownComponentError',
        'VERSION',
        'backends',
        'bufferPoolStatus',
        'checkIndices',
        'clearBufferPool',
        'configureBufferPool',
        'cosineSimilarity',
        'cosineSimilarityBlocks',
        'createHostMatrix',
        'createModuleLoader',
        'createRandom',
        'describeRuntime',
        'editDistance',
        'gatherHostRows',
        'gatherRows',
        'hostRowsToTensor',
        'installCommand',
        'l2Normalize',
        'nativeRocPoints',
        'pairDots',
        'parseNpyHeader',
        'parseConfig',
        'readFileOrFail',
        'normalizeRows',
        'readNpy',
        'registerGradients',
        'replaceRows',
        'safeAcos',
        'sortFloat32',
        'stopGradient',
        'temporaryPathFor',
        'unpickle',
        'uninstallCpuKernels',
        'installCpuKernels',
        'conv2dBackpropFilterNhwc',
        'cpuKernelStatus',
        'batchNormTraining',
        'sgdStep',
        'writeFileAtomic',
        'writeNpy',
        'useBackend',
        'FileSystemError',
        'createDirectory',
        'OutputExistsError',
        'TrainingDivergedError',
        'assertFiniteRows',
        'ensureBackend',
        'failureReason',
        'findSystemError',
        'hasBackend',
        'removeStalePartials',
        'requireBackend',
      ].sort(),
    );
  });

  it('reports the version from package.json', async () => {
    const { default: manifest } = await import('../package.json', { with: { type: 'json' } });
    expect(api.VERSION).toBe(manifest.version);
  });
});
