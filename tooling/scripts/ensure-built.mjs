// Keeps the packages `bct` runs built in a source checkout, without printing the build tool's
// output: a package whose dist/ is missing or older than its sources is built again (its tsup
// build, dependencies first), with everything the build prints going to a log file. One line on
// stderr says that a build is running; a failed build prints the end of its log and exits 1.
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Newest modification time (ms) of the files under `path`, tests aside (0 when absent). */
function newest(path) {
  if (!existsSync(path) || /\.test\.ts$/.test(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Workspace packages the CLI needs, itself included, dependencies first: [name, folder]. */
function cliPackages() {
  const folders = new Map();
  for (const folder of readdirSync(join(root, 'packages'))) {
    const manifest = join(root, 'packages', folder, 'package.json');
    if (existsSync(manifest))
      folders.set(JSON.parse(readFileSync(manifest, 'utf8')).name, join(root, 'packages', folder));
  }
  const wanted = new Set();
  const visit = (name) => {
    if (wanted.has(name) || !folders.has(name)) return;
    wanted.add(name);
    const manifest = JSON.parse(readFileSync(join(folders.get(name), 'package.json'), 'utf8'));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
    order.push(name);
  };
  const order = [];
  visit('@bctkit/cli');
  return order.map((name) => [name, folders.get(name)]);
}

const logDirectory = join(root, 'node_modules', '.cache', 'bctkit');
/** Written after each successful build: `pnpm build` (turbo) may restore dist/ with old times. */
const stampPath = join(logDirectory, 'built');

/** The packages whose dist/ is missing or older than their sources or manifest, in build order. */
function stalePackages() {
  const stamp = newest(stampPath);
  const stale = [];
  for (const [name, folder] of cliPackages()) {
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    if (manifest.scripts?.build === undefined) continue; // native add-ons build at install
    const dist = newest(join(folder, 'dist'));
    const built = dist === 0 ? 0 : Math.max(dist, stamp);
    const source = Math.max(newest(join(folder, 'src')), newest(join(folder, 'package.json')));
    if (built === 0 || built < source) stale.push([name, folder]);
  }
  return stale;
}

/** Runs one package's build (`tsup`, configured in its package.json), appending to `log`. */
function buildPackage(folder, log) {
  const tsup = join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
  const child = spawn(process.execPath, [tsup], {
    cwd: folder,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  return new Promise((resolve) => child.on('close', resolve));
}

/** Builds the CLI and its dependencies when they are out of date; see the file comment. */
export async function ensureBuilt() {
  const packages = stalePackages();
  if (packages.length === 0) return;
  mkdirSync(logDirectory, { recursive: true });
  const logPath = join(logDirectory, 'build.log');
  const firstBuild = !existsSync(join(root, 'packages', 'cli', 'dist', 'bin.js'));
  process.stderr.write(
    `bct: building ${packages.map(([name]) => name).join(', ')}${firstBuild ? ' (first run in this checkout: one to two minutes)' : ' (sources changed)'}; log: ${logPath}\n`,
  );
  const log = createWriteStream(logPath);
  for (const [name, folder] of packages) {
    log.write(`\n== ${name}\n`);
    const code = await buildPackage(folder, log);
    if (code !== 0) {
      await new Promise((resolve) => log.end(resolve));
      const tail = readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
      process.stderr.write(
        `${tail}\nbct: building ${name} failed (exit ${code}); the whole log is ${logPath}\n`,
      );
      process.exit(1);
    }
  }
  await new Promise((resolve) => log.end(resolve));
  writeFileSync(stampPath, `${new Date().toISOString()}\n`);
}
