#!/usr/bin/env node
// The `bct` executable. In a source checkout of bctkit (src/ beside this folder) it first brings
// the built packages up to date, quietly; an installed package runs its dist/ directly.
import { existsSync } from 'node:fs';

const checkout = new URL('../../../tooling/scripts/ensure-built.mjs', import.meta.url);
if (existsSync(new URL('../src/bin.ts', import.meta.url)) && existsSync(checkout)) {
  const { ensureBuilt } = await import(checkout.href);
  await ensureBuilt();
}
await import('../dist/bin.js');
