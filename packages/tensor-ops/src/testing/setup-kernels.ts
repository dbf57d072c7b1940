// Vitest setup file (after setup-cpu.ts): every test file runs on the cpu backend with bctkit's
// kernels, as users do after useBackend('cpu'): native when the add-on is built, else bctkit's
// JavaScript ones; BCTKIT_NATIVE_KERNELS=0 (CI's second run) forces the JavaScript ones. Tests
// that compare with tfjs's own kernels uninstall them themselves.
import { installCpuKernels } from '../kernels/install-cpu-kernels.js';

installCpuKernels();
