import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  add,
  findBackendFactory,
  getBackend,
  registerBackend,
  removeBackend,
  setBackend,
  tensor1d,
  version_core,
} from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { BctkitError } from '../errors/bctkit-error.js';
import { type BackendUnavailableError, UnknownComponentError } from '../errors/errors.js';
import { backends } from './backends.js';
import { createModuleLoader, type ModuleLoader } from './module-loader.js';
import { installCommand, useBackend } from './use-backend.js';

/** A loader that pretends the given packages are installed, and loads them with `onLoad`. */
function fakeLoader(
  installed: Record<string, string>,
  onLoad: (name: string) => Promise<unknown>,
): ModuleLoader {
  return {
    installedVersion: (name) => installed[name],
    load: onLoad,
  };
}

async function failure(promise: Promise<unknown>): Promise<BackendUnavailableError> {
  try {
    await promise;
  } catch (error) {
    expect(BctkitError.hasCode(error, 'BACKEND_UNAVAILABLE')).toBe(true);
    return error as BackendUnavailableError;
  }
  throw new Error('expected a BackendUnavailableError');
}

afterEach(async () => {
  if (findBackendFactory('tensorflow') !== null) removeBackend('tensorflow');
  await setBackend('cpu');
});

describe('useBackend', () => {
  it('falls back to cpu by default when no native package is installed', async () => {
    const info = await useBackend();
    expect(info.backend).toBe('cpu');
    expect(getBackend()).toBe('cpu');
    expect(info.version).toBe('4.22.0');
    expect(info.tfjsCoreVersion).toBe(version_core);
    expect(info.attempts.map((attempt) => [attempt.backend, attempt.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['cpu', true],
    ]);
    expect(info.attempts[0]!.reason).toContain('not installed');
  });

  it('names the exact install command when tfjs-node is asked for but absent', async () => {
    const error = await failure(useBackend('tensorflow'));
    expect(error.backend).toBe('tensorflow');
    expect(error.message).toContain(`npm install @tensorflow/tfjs-node@${version_core}`);
    expect(error.message).toContain('libtensorflow');
    expect(installCommand(backends.get('node'))).toBe(
      `npm install @tensorflow/tfjs-node@${version_core}`,
    );
  });

  it('gives the CUDA 11.2 / cuDNN 8.1 requirement for the GPU package, under any alias', async () => {
    for (const name of ['tensorflow-gpu', 'gpu', 'tfjs-node-gpu']) {
      const error = await failure(useBackend(name));
      expect(error.message).toContain(`npm install @tensorflow/tfjs-node-gpu@${version_core}`);
      expect(error.message).toContain('CUDA 11.2');
      expect(error.message).toContain('cuDNN 8.1');
    }
  });

  it('answers a misspelt backend with "did you mean"', async () => {
    await expect(useBackend('tensorflw')).rejects.toThrow(UnknownComponentError);
    await expect(useBackend('tensorflw')).rejects.toThrow("Did you mean 'tensorflow'");
  });

  it('takes the first working backend of a list, reporting every failure when none works', async () => {
    expect((await useBackend(['tensorflow', 'cpu'])).backend).toBe('cpu');
    const error = await failure(useBackend(['gpu', 'node']));
    expect(error.message).toContain("No usable backend among 'tensorflow-gpu', 'tensorflow'");
    expect(error.message).toContain('@tensorflow/tfjs-node-gpu@');
    expect(error.message).toContain('@tensorflow/tfjs-node@');
  });

  it('prefers an installed native backend in auto mode (simulated install)', async () => {
    const loaded: string[] = [];
    const loader = fakeLoader({ '@tensorflow/tfjs-node': '4.22.0' }, async (name) => {
      loaded.push(name);
      registerBackend('tensorflow', () => new MathBackendCPU());
    });
    const info = await useBackend('auto', { loader });
    expect(info.backend).toBe('tensorflow');
    expect(info.packageName).toBe('@tensorflow/tfjs-node');
    expect(info.version).toBe('4.22.0');
    expect(getBackend()).toBe('tensorflow');
    expect(loaded).toEqual(['@tensorflow/tfjs-node']);
  });

  it('reports an installed package that fails to load, with its cause and what to check', async () => {
    const cause = new Error('libcudnn.so.8: cannot open shared object file');
    const loader = fakeLoader({ '@tensorflow/tfjs-node-gpu': '4.22.0' }, async () => {
      throw cause;
    });
    const error = await failure(useBackend('gpu', { loader }));
    expect(error.message).toContain(
      '@tensorflow/tfjs-node-gpu@4.22.0 is installed but failed to load',
    );
    expect(error.message).toContain('libcudnn.so.8');
    expect(error.message).toContain('LD_LIBRARY_PATH');
    expect(error.cause).toBe(cause);
    // In auto mode the same failure is skipped and reported, and cpu (really installed) still wins.
    const real = createModuleLoader();
    const autoLoader = fakeLoader(
      { '@tensorflow/tfjs-node-gpu': '4.22.0', '@tensorflow/tfjs-backend-cpu': '4.22.0' },
      (name) => (name.endsWith('-gpu') ? Promise.reject(cause) : real.load(name)),
    );
    const info = await useBackend('auto', { loader: autoLoader });
    expect(info.backend).toBe('cpu');
    expect(info.attempts[0]!.reason).toContain('failed to load');
  });

  it('detects a package that registered its backend with another copy of tfjs-core', async () => {
    const loader = fakeLoader({ '@tensorflow/tfjs-node': '4.22.0' }, async () => undefined);
    const error = await failure(useBackend('tensorflow', { loader }));
    expect(error.message).toContain('Two copies of tfjs-core');
  });

  it('refuses wasm for training and loads it for inference', async () => {
    const refused = await failure(useBackend('wasm'));
    expect(refused.message).toContain('Conv2DBackpropFilter');
    const info = await useBackend('wasm', { purpose: 'inference' });
    expect(info.backend).toBe('wasm');
    expect(getBackend()).toBe('wasm');
    expect(Array.from(add(tensor1d([1, 2]), tensor1d([3, 4])).dataSync())).toEqual([4, 6]);
  });
});
