// Builds the native decoder if this machine can (a C compiler, Node's headers and libjpeg's
// headers, e.g. Debian's libjpeg62-turbo-dev). It never fails the install: without a build,
// @bctkit/jpeg-turbo reports why, and bctkit decodes JPEG in JavaScript instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const here = join(import.meta.dirname, '..');
const statusFile = join(here, 'build', 'status.json');

function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, process.env.npm_config_node_gyp];
  }
  const npmGyp = join(
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
  if (existsSync(npmGyp)) return [process.execPath, npmGyp];
  try {
    return [process.execPath, createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

/** Node's own headers beside the running binary (packaged Node and official tarballs have them). */
function nodeDirectoryArguments() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

const [command, ...prefix] = nodeGyp();
const result = spawnSync(command, [...prefix, 'rebuild', ...nodeDirectoryArguments()], {
  cwd: here,
  encoding: 'utf8',
});
mkdirSync(join(here, 'build'), { recursive: true });
if (result.status === 0) {
  writeFileSync(statusFile, JSON.stringify({ built: true }));
  console.log('@bctkit/jpeg-turbo: native decoder built');
} else {
  const output = `${result.error?.message ?? ''}\n${result.stderr ?? ''}\n${result.stdout ?? ''}`;
  const reason = /jpeglib\.h: No such file/.test(output)
    ? 'libjpeg headers not found (Debian/Ubuntu: apt-get install libjpeg62-turbo-dev)'
    : /node_api\.h: No such file|common\.gypi|node-v[\d.]+-headers/.test(output)
      ? "Node's headers not found"
      : /(cc|gcc|make|python)[^\n]*not found|ENOENT/.test(output)
        ? 'no C toolchain (cc, make, python3) for node-gyp'
        : `node-gyp failed: ${output.trim().split('\n').slice(-3).join(' | ')}`;
  writeFileSync(statusFile, JSON.stringify({ built: false, reason }));
  console.warn(
    `@bctkit/jpeg-turbo: native decoder not built (${reason}); bctkit will decode JPEG in JavaScript.`,
  );
}
