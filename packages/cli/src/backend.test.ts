import { type BackendInfo, installCpuKernels } from '@bctkit/tensor-ops';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelNote } from './backend.js';

const cpu: BackendInfo = {
  backend: 'cpu',
  tfName: 'cpu',
  packageName: '@tensorflow/tfjs-backend-cpu',
  version: undefined,
  tfjsCoreVersion: '4.22.0',
  attempts: [],
};

afterEach(() => {
  delete process.env.BCTKIT_NATIVE_KERNELS;
  installCpuKernels();
});

describe('kernelNote', () => {
  it('names the JavaScript fallback, why, and the one command that enables the native kernels', () => {
    process.env.BCTKIT_NATIVE_KERNELS = '0';
    installCpuKernels({ native: false });
    expect(kernelNote(cpu)).toBe(
      ', kernels: JavaScript (BCTKIT_NATIVE_KERNELS=0 is set)\n' +
        '  the native kernels are several times faster; to enable them: unset BCTKIT_NATIVE_KERNELS',
    );
  });

  it.runIf(process.env.BCTKIT_EXPECT_NATIVE_KERNELS === '1')(
    'says so when the native kernels run',
    () => {
      installCpuKernels();
      const library =
        process.env.BCTKIT_EXPECT_ONEDNN === '1' ? 'OpenBLAS, oneDNN \\d' : 'OpenBLAS';
      expect(kernelNote(cpu)).toMatch(new RegExp(`^, kernels: native \\(${library}`));
    },
  );

  it('says nothing on other backends', () => {
    expect(kernelNote({ ...cpu, backend: 'wasm', tfName: 'wasm' })).toBe('');
  });
});
