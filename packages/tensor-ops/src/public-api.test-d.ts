// Type-level tests, checked by `tsc --noEmit` (pnpm typecheck): the public signatures users build on.
import type { Tensor2D } from '@tensorflow/tfjs-core';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import type { BackendId, BackendInfo, HostMatrix, RandomState, RegistryEntry } from './index.js';
import {
  type gatherRows,
  parseConfig,
  Registry,
  replaceRows,
  SeededRandom,
  useBackend,
} from './index.js';

expectTypeOf(useBackend).returns.resolves.toEqualTypeOf<BackendInfo>();
expectTypeOf<BackendInfo['backend']>().toEqualTypeOf<BackendId>();
expectTypeOf(replaceRows).returns.toEqualTypeOf<Tensor2D>();
expectTypeOf<HostMatrix>().toExtend<Parameters<typeof gatherRows>[0]>();
expectTypeOf(SeededRandom.fromSeed(1).getState()).toEqualTypeOf<RandomState>();

// parseConfig returns the schema's output type, defaults included.
const parsed = parseConfig(z.strictObject({ ratio: z.number().default(0.3) }), {});
expectTypeOf(parsed).toEqualTypeOf<{ ratio: number }>();

// A registry hands back the entry type it was created with.
interface Loss extends RegistryEntry {
  readonly scale: number;
}
expectTypeOf(new Registry<Loss>('loss').get('arcface')).toEqualTypeOf<Loss>();
