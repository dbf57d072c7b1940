import { readFile, stat } from 'node:fs/promises';
import {
  type BackendInfo,
  type BackendPurpose,
  cpuKernelStatus,
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
  io.stderr(`backend: ${info.backend} (${info.packageName})${kernelNote(info)}\n`);
  return info;
}

/**
 * On the `cpu` backend, which kernels run: `native (OpenBLAS)` (or `native (OpenBLAS, oneDNN
 * 2.6.3)`), or JavaScript with the reason and
 * the one command that enables the native ones (they make training several times faster).
 */
export function kernelNote(info: BackendInfo): string {
  if (info.backend !== 'cpu') return '';
  const status = cpuKernelStatus();
  if (status.native.length > 0) return `, kernels: native (${status.library ?? 'OpenBLAS'})`;
  const enable =
    status.enableNative === undefined
      ? ''
      : `\n  the native kernels are several times faster; to enable them: ${status.enableNative}`;
  return `, kernels: JavaScript (${status.nativeUnavailable})${enable}`;
}

/** Whether `path` names an external model config (a JSON file that is not a bctkit checkpoint). */
async function isExternalModel(path: string): Promise<boolean> {
  try {
    if ((await stat(path)).isDirectory()) return false;
    const json = JSON.parse(await readFile(path, 'utf8')) as { format?: unknown };
    return json.format !== 'bctkit-checkpoint';
  } catch {
    return false; // the model loader reports an unreadable path with its own words
  }
}

/**
 * {@link activateBackend} for inference with the given models. With `auto` and only external tfjs
 * models (graph or layers), and no tfjs-node package: the `cpu` backend when bctkit's native
 * kernels run there (they cover what converted face models use: fused and depthwise convolutions,
 * ReLU, absolute value; MobileFaceNet ran 1.8x faster than on wasm, `pnpm bench external-model`),
 * else `wasm` when it is installed (tfjs's JavaScript kernels ran it 4.6x slower than wasm). Both
 * give the same features within 1e-5. bctkit checkpoints always keep the `auto` choice.
 */
export async function activateInferenceBackend(
  io: CliIo,
  preference: string,
  models: readonly (string | undefined)[],
): Promise<BackendInfo> {
  const given = models.filter((model): model is string => model !== undefined);
  if (preference === 'auto' && given.length > 0) {
    const external = await Promise.all(given.map(isExternalModel));
    if (external.every(Boolean)) {
      env().set('PROD', true);
      const loader = createModuleLoader(import.meta.url);
      const info = await useBackend('auto', { loader, purpose: 'inference' });
      if (info.backend === 'cpu' && cpuKernelStatus().native.length === 0) {
        try {
          const wasm = await useBackend('wasm', { loader, purpose: 'inference' });
          io.stderr(
            `backend: wasm (${wasm.packageName}), chosen for external models: the native cpu kernels are unavailable (${cpuKernelStatus().nativeUnavailable ?? 'see bct env'}); --backend cpu to override\n`,
          );
          return wasm;
        } catch {
          await useBackend('cpu', { loader, purpose: 'inference' });
        }
      }
      io.stderr(`backend: ${info.backend} (${info.packageName})${kernelNote(info)}\n`);
      return info;
    }
  }
  return activateBackend(io, preference, 'inference');
}

/** Help text of every command's `--backend` option (commander adds the default). */
export const BACKEND_OPTION_HELP =
  'tfjs backend: auto (the first installed of tensorflow-gpu, tensorflow, cpu), or one of them, or wasm';
