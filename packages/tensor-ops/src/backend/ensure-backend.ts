import { getBackend } from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors/errors.js';
import { type BackendInfo, useBackend } from './use-backend.js';

/** Whether tfjs has a backend to compute on (one set, or one registered that it can start). */
export function hasBackend(): boolean {
  try {
    getBackend();
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure tfjs has a backend before a library function computes on it: when the caller has
 * set or registered none, activates the best available one for inference (as
 * `useBackend('auto', { purpose: 'inference' })`). Returns the backend activated, or undefined
 * when one was already there.
 */
export async function ensureBackend(): Promise<BackendInfo | undefined> {
  if (hasBackend()) return undefined;
  return useBackend('auto', { purpose: 'inference' });
}

/**
 * Throws a clear error when tfjs has no backend, for synchronous functions that cannot start one.
 * @param what the function, for the message.
 * @throws {@link BackendUnavailableError} naming the fix.
 */
export function requireBackend(what: string): void {
  if (!hasBackend())
    throw new BackendUnavailableError(
      'none',
      `${what} computes on a tfjs backend and none is registered: call await useBackend() or await ensureBackend() from @bctkit/tensor-ops first (or import a tfjs backend package)`,
    );
}
