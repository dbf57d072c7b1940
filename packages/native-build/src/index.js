// The build script and loader of bctkit's optional N-API add-ons (@bctkit/tensor-ops-native,
// @bctkit/jpeg-turbo). An add-on's install script calls buildAddon, which never fails the
// install: it builds with node-gyp when the machine can, and otherwise records a one-line reason
// in build/status.json. Its entry point calls loadAddon, which loads the binary or says why not.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** node-gyp: the one npm points at, npm's own copy, an installed one, or the PATH's. */
function findNodeGyp() {
  const configured = process.env.npm_config_node_gyp;
  if (configured && existsSync(configured)) return [process.execPath, configured];
  const bundled = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  if (existsSync(bundled)) return [process.execPath, bundled];
  try {
    return [process.execPath, createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

/** Builds against the running Node's headers when they sit beside it, so nothing is downloaded. */
function headerArguments() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

/** The causes every add-on shares, after its own. */
const COMMON_CAUSES = [
  // Not every mention of common.gypi: node-gyp's own info lines name it on every build.
  [
    /node_api\.h: No such file|common\.gypi[^\n]*(No such file|not found)|node-v[\d.]+-headers\.tar\.gz/,
    "Node's headers not found",
  ],
  [
    /(cc|gcc|make|python3?)[^\n]*not found|ENOENT/,
    'no C toolchain (cc, make, python3) for node-gyp',
  ],
];

/** A one-line reason from node-gyp's output. */
export function explainBuildFailure(output, causes = []) {
  for (const [pattern, reason] of [...causes, ...COMMON_CAUSES])
    if (pattern.test(output)) return reason;
  return `node-gyp failed: ${output.trim().split('\n').slice(-3).join(' | ')}`;
}

export function buildAddon(options) {
  const { packageRoot, name, built, fallback, causes = [] } = options;
  const [command, ...prefix] = findNodeGyp();
  const result = spawnSync(command, [...prefix, 'rebuild', ...headerArguments()], {
    cwd: packageRoot,
    encoding: 'utf8',
  });
  mkdirSync(join(packageRoot, 'build'), { recursive: true });
  const status =
    result.status === 0
      ? { built: true }
      : {
          built: false,
          reason: explainBuildFailure(
            `${result.error?.message ?? ''}\n${result.stderr ?? ''}\n${result.stdout ?? ''}`,
            causes,
          ),
        };
  writeFileSync(join(packageRoot, 'build', 'status.json'), JSON.stringify(status));
  if (status.built) console.log(`${name}: ${built}`);
  else console.warn(`${name}: not built (${status.reason}); ${fallback}.`);
  return status;
}

export function loadAddon(options) {
  const { packageRoot, binary, beforeLoad } = options;
  const path = join(packageRoot, 'build', 'Release', binary);
  if (!existsSync(path)) {
    let reason = 'not built (its install script did not run)';
    try {
      const status = JSON.parse(readFileSync(join(packageRoot, 'build', 'status.json'), 'utf8'));
      if (status.reason) reason = status.reason;
    } catch {
      // no status file: the install script did not run (scripts disabled)
    }
    return { binding: undefined, reason };
  }
  try {
    beforeLoad?.();
    return { binding: createRequire(import.meta.url)(path), reason: undefined };
  } catch (error) {
    return { binding: undefined, reason: `the built add-on does not load: ${error.message}` };
  }
}
