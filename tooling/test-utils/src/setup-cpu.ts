// Vitest setup file: every test file starts on the pure-JS cpu backend, with gradients registered.
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '@bctkit/tensor-ops';
import { setBackend } from '@tensorflow/tfjs-core';

await registerGradients();
await setBackend('cpu');
