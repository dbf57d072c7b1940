// Vitest setup file: every test file starts on the pure-JS cpu backend, with tfjs's gradient
// functions registered (what `registerGradients()` of @bctkit/tensor-ops does for users; imported
// directly here so that test-utils does not depend on the package it tests).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { env, setBackend } from '@tensorflow/tfjs-core';

// Silences tfjs's "install the node backend" banner, which says nothing about the code under test.
env().set('PROD', true);
await setBackend('cpu');
