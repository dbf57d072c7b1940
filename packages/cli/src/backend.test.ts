import { join } from 'node:path';
import { type BackendInfo, installCpuKernels, useBackend } from '@bctkit/tensor-ops';
import { afterEach, describe, expect, it } from 'vitest';
import { activateInferenceBackend, kernelNote } from './backend.js';
import type { CliIo } from './io.js';
import { REPOSITORY_ROOT } from './testing/faces.js';

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

describe('activateInferenceBackend with external models', () => {
  const model = join(REPOSITORY_ROOT, 'models', 'mobilefacenet', 'unit.json');
  const capture = () => {
    const lines: string[] = [];
    const io = { stderr: (text: string) => lines.push(text) } as unknown as CliIo;
    return { io, lines };
  };

  it.runIf(process.env.BCTKIT_EXPECT_NATIVE_KERNELS === '1')(
    'keeps cpu when the native kernels run there (faster than wasm for them)',
    async () => {
      const { io, lines } = capture();
      const info = await activateInferenceBackend(io, 'auto', [model]);
      expect(info.backend).toBe('cpu');
      expect(lines.join('')).toMatch(/^backend: cpu .*kernels: native/);
    },
  );

  it('takes wasm when the native kernels are switched off', async () => {
    process.env.BCTKIT_NATIVE_KERNELS = '0';
    const { io, lines } = capture();
    try {
      const info = await activateInferenceBackend(io, 'auto', [model]);
      expect(info.backend).toBe('wasm');
      expect(lines.join('')).toMatch(/chosen for external models: .*BCTKIT_NATIVE_KERNELS=0/);
    } finally {
      await useBackend('cpu');
    }
  });
});
