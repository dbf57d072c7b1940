import { memory } from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Runs `body` and asserts the number of live tensors is unchanged afterwards, so the code under
 * test frees every intermediate tensor it makes.
 */
export async function withNoTensorLeaks<T>(body: () => T | Promise<T>): Promise<T> {
  const before = memory().numTensors;
  const result = await body();
  expect(memory().numTensors, 'live tensors after the call').toBe(before);
  return result;
}

/** Synchronous form of {@link withNoTensorLeaks}. */
export function expectNoTensorLeaks<T>(body: () => T): T {
  const before = memory().numTensors;
  const result = body();
  expect(memory().numTensors, 'live tensors after the call').toBe(before);
  return result;
}
