// Helpers shared by the benchmark scripts.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');

/**
 * tfjs-core as the CLI resolves it (`tf`), and the built entry of each bctkit package named in
 * `packages` (key -> package directory, e.g. `{ ops: 'tensor-ops' }`).
 */
export async function loadBuilt(packages) {
  const requireFrom = createRequire(join(root, 'packages', 'cli', 'package.json'));
  const loaded = { tf: await import(requireFrom.resolve('@tensorflow/tfjs-core')) };
  for (const [key, name] of Object.entries(packages)) {
    loaded[key] = await import(join(root, 'packages', name, 'dist', 'index.js'));
  }
  return loaded;
}

/** Runs the built `bct`, stderr through, and returns stdout. */
export function bct(...args) {
  console.error(`$ bct ${args.join(' ')}`);
  return execFileSync(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 28,
  }).toString();
}

/** Runs `make` unless `file` exists; returns the seconds it took (0 when cached). */
export function once(file, make) {
  if (existsSync(file)) return 0;
  const started = Date.now();
  make();
  return (Date.now() - started) / 1000;
}

/** The value after `--name` in `args`, or `fallback`. */
export function option(args, name, fallback) {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
}

/** Writes `text` to a temporary name beside `path`, then renames it into place. */
export function writeAtomic(path, text) {
  const temporary = `${path}.partial-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
