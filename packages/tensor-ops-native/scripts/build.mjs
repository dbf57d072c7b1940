// Builds the native kernels if this machine can: a C compiler, Node's headers and OpenBLAS's
// (Debian: apt-get install libopenblas-dev). The install never fails: without a build the
// package records why, and bctkit keeps its JavaScript kernels.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const packageRoot = join(import.meta.dirname, '..');

/** node-gyp: the one npm points at, npm's own copy, an installed one, or the PATH's. */
function findNodeGyp() {
  const configured = process.env.npm_config_node_gyp;
  if (configured && existsSync(configured)) return [process.execPath, configured];
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  const bundledGyp = join(bundled, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundledGyp)) return [process.execPath, bundledGyp];
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

/** A one-line reason from node-gyp's output. */
function explain(output) {
  if (/cblas\.h: No such file/.test(output)) {
    return 'OpenBLAS headers not found (Debian/Ubuntu: apt-get install libopenblas-dev)';
  }
  if (/cannot find -lopenblas/.test(output)) {
    return 'the OpenBLAS library was not found (Debian/Ubuntu: apt-get install libopenblas-dev)';
  }
  if (/node_api\.h: No such file|common\.gypi|node-v[\d.]+-headers/.test(output)) {
    return "Node's headers not found";
  }
  if (/(cc|gcc|make|python3?)[^\n]*not found|ENOENT/.test(output)) {
    return 'no C toolchain (cc, make, python3) for node-gyp';
  }
  return `node-gyp failed: ${output.trim().split('\n').slice(-3).join(' | ')}`;
}

const [command, ...commandPrefix] = findNodeGyp();
const build = spawnSync(command, [...commandPrefix, 'rebuild', ...headerArguments()], {
  cwd: packageRoot,
  encoding: 'utf8',
});
mkdirSync(join(packageRoot, 'build'), { recursive: true });
const status =
  build.status === 0
    ? { built: true }
    : {
        built: false,
        reason: explain(
          `${build.error?.message ?? ''}\n${build.stderr ?? ''}\n${build.stdout ?? ''}`,
        ),
      };
writeFileSync(join(packageRoot, 'build', 'status.json'), JSON.stringify(status));
if (status.built) {
  console.log('@bctkit/tensor-ops-native: native kernels built (OpenBLAS)');
} else {
  console.warn(
    `@bctkit/tensor-ops-native: not built (${status.reason}); bctkit keeps its JavaScript kernels.`,
  );
}
