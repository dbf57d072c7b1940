#!/usr/bin/env node
// `pnpm bench <name> [--json]`: runs a benchmark against the built packages.
const benchmarks = {
  backbone: () => import('./backbone.mjs'),
  adapters: () => import('./adapters.mjs'),
  'external-model': () => import('./external-model.mjs'),
  faces: () => import('./faces.mjs'),
  growth: () => import('./growth.mjs'),
  ijbc: () => import('./ijbc.mjs'),
  loader: () => import('./loader.mjs'),
  'train-step': () => import('./train-step.mjs'),
};
const [name, ...rest] = process.argv.slice(2);
const load = benchmarks[name];
if (load === undefined) {
  console.error(`usage: pnpm bench <${Object.keys(benchmarks).join(' | ')}> [--json]`);
  process.exit(2);
}
await (await load()).run(rest);
