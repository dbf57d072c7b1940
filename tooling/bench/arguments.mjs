// Helpers shared by the benchmark scripts.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'dist', 'bin.js');

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
