import {
  type BackendInfo,
  type BackendPurpose,
  createModuleLoader,
  useBackend,
} from '@bctkit/tensor-ops';
import { env } from '@tensorflow/tfjs-core';
import type { CliIo } from './io.js';

/**
 * Activates the tfjs backend for a command that computes (`auto` by default: tfjs-node-gpu,
 * tfjs-node, then the pure-JS cpu backend), says which one on stderr, and silences tfjs's
 * "install the node backend" banner (`bct env` explains the choice instead).
 */
export async function activateBackend(
  io: CliIo,
  preference = 'auto',
  purpose: BackendPurpose = 'training',
): Promise<BackendInfo> {
  env().set('PROD', true);
  const info = await useBackend(preference, {
    loader: createModuleLoader(import.meta.url),
    purpose,
  });
  io.stderr(`backend: ${info.backend} (${info.packageName})\n`);
  return info;
}
