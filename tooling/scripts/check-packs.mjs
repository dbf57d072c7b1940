#!/usr/bin/env node
// Packs every workspace package (the published ones, and the private ones that will be), then
// installs each tarball into an empty scratch project with only what it declares (its dependencies, its required peers, and the tarballs of
// the @bctkit packages it depends on), imports it, typechecks a consumer against its .d.ts, and,
// for the CLI, runs the installed `bct` binary. Users install single packages from npm; this is
// what proves that works. Then the example plugins of examples/ are built, packed, installed
// beside the CLI and trained through `bct train --plugin`. Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'bctkit-packs-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** pnpm as it was invoked (`pnpm run check:packs` sets npm_execpath), else from PATH. */
function pnpm(args, cwd) {
  const execpath = process.env.npm_execpath;
  if (execpath && /pnpm/.test(execpath)) {
    return /\.c?js$/.test(execpath)
      ? run(process.execPath, [execpath, ...args], cwd)
      : run(execpath, args, cwd);
  }
  return run('pnpm', args, cwd);
}

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const manifests = new Map();
for (const directory of readdirSync(join(root, 'packages'))) {
  const manifest = JSON.parse(
    readFileSync(join(root, 'packages', directory, 'package.json'), 'utf8'),
  );
  manifests.set(manifest.name, { directory, manifest });
}
const packages = [...manifests.values()];

for (const { directory, manifest } of packages) {
  if (
    manifest.types?.startsWith('./dist/') &&
    !existsSync(join(root, 'packages', directory, 'dist', 'index.d.ts'))
  ) {
    throw new Error(`${manifest.name} has no dist/index.d.ts: run pnpm build first.`);
  }
  pnpm(['pack', '--pack-destination', tarballs], join(root, 'packages', directory));
}
const tarballOf = (name) => {
  const prefix = `${name.replace('@', '').replace('/', '-')}-`;
  const file = readdirSync(tarballs).find(
    (entry) => entry.startsWith(prefix) && /^\d/.test(entry.slice(prefix.length)),
  );
  if (file === undefined) throw new Error(`no tarball for ${name}`);
  return join(tarballs, file);
};

/** A package's peer dependencies that are not optional, as `name@range` install arguments. */
function requiredPeers(manifest) {
  const optional = manifest.peerDependenciesMeta ?? {};
  return Object.entries(manifest.peerDependencies ?? {})
    .filter(([name]) => !optional[name]?.optional)
    .map(([name, range]) => `${name}@${range}`);
}

/** The package's own tarball plus those of every @bctkit package it depends on, transitively. */
function internalClosure(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  const { manifest } = manifests.get(name);
  const dependencies = { ...manifest.dependencies, ...manifest.optionalDependencies };
  for (const dependency of Object.keys(dependencies)) {
    if (dependency.startsWith('@bctkit/')) internalClosure(dependency, seen);
  }
  return seen;
}

/**
 * Extra checks run inside a package's scratch project, with what they need installed beside it:
 * code paths an import alone does not reach (worker threads loaded from dist/, for one).
 */
const smokeTests = {
  '@bctkit/jpeg-turbo': {
    install: [],
    code: `
      import { nativeJpeg } from '@bctkit/jpeg-turbo';
      if (process.env.BCTKIT_EXPECT_NATIVE_JPEG === '1' && !nativeJpeg.available) {
        throw new Error('the native decoder was not built from the tarball: ' + nativeJpeg.reason);
      }
      console.log(JSON.stringify(nativeJpeg));`,
    what: 'native decoder built from the tarball (or the reason it was not)',
  },
  '@bctkit/tensor-ops-native': {
    install: [],
    code: `
      import { nativeKernels } from '@bctkit/tensor-ops-native';
      if (process.env.BCTKIT_EXPECT_NATIVE_KERNELS === '1' && !nativeKernels.available) {
        throw new Error('the native kernels were not built from the tarball: ' + nativeKernels.reason);
      }
      console.log(JSON.stringify(nativeKernels));`,
    what: 'native kernels built from the tarball (or the reason they were not)',
  },
  '@bctkit/tensor-ops': {
    install: ['@tensorflow/tfjs-backend-cpu@4.22.0'],
    code: `
      import { cpuKernelStatus, useBackend } from '@bctkit/tensor-ops';
      import * as tf from '@tensorflow/tfjs-core';
      await useBackend('cpu');
      const status = cpuKernelStatus();
      if (process.env.BCTKIT_EXPECT_NATIVE_KERNELS === '1' && !status.native.includes('Conv2D')) {
        throw new Error('the optional native add-on is not in use: ' + status.nativeUnavailable);
      }
      const y = tf.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]), 1, 'valid').dataSync();
      if ([...y].join() !== '4,4,4,4') throw new Error('conv2d gave ' + [...y]);`,
    what: 'activates cpu with its kernels (native when built) and convolves',
  },
  '@bctkit/backbones': {
    install: ['@tensorflow/tfjs-backend-cpu@4.22.0'],
    code: `
      import { mkdtempSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      import { useBackend } from '@bctkit/tensor-ops';
      import * as tf from '@tensorflow/tfjs-core';
      import { createBackbone, loadCheckpoint, saveCheckpoint } from '@bctkit/backbones';
      await useBackend('cpu');
      const model = createBackbone({ type: 'r18', inputSize: 16, widthMultiplier: 0.125, embeddingDim: 8 });
      const images = tf.randomNormal([2, 16, 16, 3]);
      const gradient = tf.grad((x) => tf.sum(tf.square(model.apply(x, { training: true }))))(images);
      if (!(tf.norm(gradient).dataSync()[0] > 0)) throw new Error('no gradient through the backbone');
      const directory = join(mkdtempSync(join(tmpdir(), 'bctkit-smoke-')), 'checkpoint');
      await saveCheckpoint(directory, model, { step: 3 });
      const loaded = await loadCheckpoint(directory);
      const same = tf.all(tf.equal(model.embed(images), loaded.backbone.embed(images))).dataSync()[0];
      if (same !== 1 || loaded.metadata.step !== 3) throw new Error('checkpoint round trip differs');`,
    what: 'trains a step and round-trips a checkpoint',
  },
  '@bctkit/losses': {
    install: ['@tensorflow/tfjs-backend-cpu@4.22.0'],
    code: `
      import { useBackend } from '@bctkit/tensor-ops';
      import { createHead } from '@bctkit/losses';
      import { checkLossConformance } from '@bctkit/losses/test';
      await useBackend('cpu');
      const head = createHead({ type: 'arcface', scale: 4 }, { numClasses: 5, embeddingDim: 4 });
      checkLossConformance({ name: 'arcface', embeddingDim: 4, numClasses: 5,
        compute: (embeddings, labels) => head.loss(embeddings, labels) });`,
    what: 'the ./test entry runs the conformance suite on ArcFace',
  },
  '@bctkit/adapters': {
    install: ['@tensorflow/tfjs-backend-cpu@4.22.0'],
    code: `
      import { useBackend } from '@bctkit/tensor-ops';
      import { applyAdapter, fitAdapter, parseAdapter, serializeAdapter } from '@bctkit/adapters';
      await useBackend('cpu');
      // Old rows are the new ones with two columns swapped: Procrustes finds that swap.
      const fresh = Float32Array.from({ length: 40 }, (_, i) => Math.cos(i * i + 1));
      const old = fresh.map((_, i) => fresh[i % 2 === 0 ? i + 1 : i - 1]);
      const adapter = await fitAdapter({ from: { data: fresh, rows: 20, cols: 2 }, to: { data: old, rows: 20, cols: 2 } }, { method: 'procrustes' });
      const w = parseAdapter(serializeAdapter(adapter), 'a.json').parameters.w.data;
      if (Math.abs(w[1] - 1) > 1e-5 || Math.abs(w[2] - 1) > 1e-5) throw new Error('not the swap: ' + [...w]);
      if (applyAdapter(adapter, { data: fresh, rows: 20, cols: 2 }).cols !== 2) throw new Error('apply');`,
    what: 'fits, serialises and applies a Procrustes adapter',
  },
  '@bctkit/metrics': {
    install: [],
    code: `
      import { mkdtempSync, readFileSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      import { buildRetrievalReport, writeCompatibilityReport } from '@bctkit/metrics';
      const result = (top1) => ({ top: { 1: top1 }, mapAtR: top1 / 2, queriesWithRelevant: 1 });
      const report = buildRetrievalReport({ self: result(0.9), cross: result(0.7), old: result(0.6) });
      const files = await writeCompatibilityReport(mkdtempSync(join(tmpdir(), 'bctkit-smoke-')), report);
      if (readFileSync(files.png).subarray(1, 4).toString() !== 'PNG') throw new Error('no PNG');`,
    what: 'renders a report with SVG and PNG plots',
  },
  '@bctkit/datasets': {
    install: ['@tensorflow/tfjs-backend-cpu@4.22.0'],
    code: `
      import '@tensorflow/tfjs-backend-cpu';
      import { createDataLoader, openSource } from '@bctkit/datasets';
      const source = await openSource({ type: 'synthetic', classes: 2, imagesPerClass: 4 });
      const loader = await createDataLoader(source, { batchSize: 4, workers: 2 });
      let images = 0;
      for await (const batch of loader.batches(0)) {
        images += batch.indices.length;
        batch.images.dispose();
        batch.labels.dispose();
      }
      await loader.close();
      if (images !== 8) throw new Error('the loader gave ' + images + ' images, expected 8');`,
    what: 'loader runs its worker threads',
  },
};

let failures = 0;
for (const { manifest } of packages) {
  const scratch = join(work, manifest.name.replace('/', '__'));
  mkdirSync(scratch);
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
  const peers = requiredPeers(manifest);
  const smoke = smokeTests[manifest.name];
  const installs = [
    ...[...internalClosure(manifest.name)].map(tarballOf),
    ...peers,
    ...(smoke?.install ?? []),
  ];
  try {
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...installs], scratch);
    const exported = run(
      'node',
      [
        '--input-type=module',
        '-e',
        `const m = await import('${manifest.name}'); console.log(Object.keys(m).length);`,
      ],
      scratch,
    ).trim();
    if (Number(exported) < 1) throw new Error('the package exports nothing');
    writeFileSync(
      join(scratch, 'consumer.ts'),
      `import * as lib from '${manifest.name}';\nexport const names: string[] = Object.keys(lib);\n`,
    );
    run(
      'node',
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        'consumer.ts',
      ],
      scratch,
    );
    if (manifest.bin) {
      for (const bin of Object.keys(manifest.bin)) {
        const report = JSON.parse(
          run(join(scratch, 'node_modules', '.bin', bin), ['env', '--json'], scratch),
        );
        if (report.backend?.backend !== 'cpu')
          throw new Error(`${bin} env chose ${report.backend?.backend}`);
      }
    }
    if (smoke) run('node', ['--input-type=module', '-e', smoke.code], scratch);
    const checks = `imports (${exported} exports), typechecks${manifest.bin ? ', bin runs' : ''}${smoke ? `, ${smoke.what}` : ''}`;
    const note = manifest.private ? ' [private: not published yet]' : '';
    console.log(`ok    ${manifest.name}: installs alone, ${checks}${note}`);
  } catch (error) {
    failures += 1;
    console.error(`FAIL  ${manifest.name}: ${error.stderr || error.message}`);
  }
}
// The example plugin (examples/ract), as a contributor ships one: built, packed, installed alone
// beside the CLI from tarballs, listed with its origin, then trained for a few steps through
// `bct train --plugin` on synthetic data with old features.
let checked = packages.length;
for (const example of readdirSync(join(root, 'examples'))) {
  const directory = join(root, 'examples', example);
  const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
  checked += 1;
  try {
    run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], directory);
    const packed = run(
      'npm',
      ['pack', '--pack-destination', tarballs, '--loglevel=error'],
      directory,
    )
      .trim()
      .split('\n')
      .at(-1);
    const scratch = join(work, `example__${example}`);
    mkdirSync(scratch);
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    );
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...[...internalClosure('@bctkit/cli')].map(tarballOf),
        ...requiredPeers(manifests.get('@bctkit/cli').manifest),
        join(tarballs, packed),
      ],
      scratch,
    );
    run(
      'node',
      [
        '--input-type=module',
        '-e',
        `import { writeNpy } from '@bctkit/tensor-ops';
         const data = Float32Array.from({ length: 16 * 8 }, (_, i) => Math.sin(i * 1.7 + 0.3));
         await writeNpy('old.npy', { data, rows: 16, cols: 8 });`,
      ],
      scratch,
    );
    writeFileSync(
      join(scratch, 'config.json'),
      JSON.stringify({
        data: {
          type: 'synthetic',
          classes: 4,
          imagesPerClass: 4,
          height: 16,
          width: 16,
          channels: 1,
        },
        backbone: {
          type: 'iresnet-18',
          inputSize: 16,
          widthMultiplier: 0.0625,
          embeddingDim: 8,
          inputChannels: 1,
        },
        head: { type: 'softmax' },
        loss: { type: 'ract' },
        oldFeatures: 'old.npy',
        batchSize: 8,
        epochs: 2,
        workers: 0,
      }),
    );
    const bct = join(scratch, 'node_modules', '.bin', 'bct');
    const listed = JSON.parse(
      run(bct, ['list', 'losses', '--json', '--plugin', manifest.name], scratch),
    ).find((loss) => loss.id === 'ract');
    if (listed?.origin !== `${manifest.name}@${manifest.version}`)
      throw new Error(
        `bct list does not show the plugin's loss with its origin: ${JSON.stringify(listed)}`,
      );
    const trained = execFileSync(
      bct,
      ['train', '--config', 'config.json', '--plugin', manifest.name, '--out', 'run'],
      { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (!/trained 4 steps, last loss \d/.test(trained))
      throw new Error(`bct train --plugin did not train: ${trained.slice(-400)}`);
    console.log(
      `ok    ${manifest.name} (examples/${example}): installs alone beside @bctkit/cli, bct list shows it, bct train --plugin trains 4 steps`,
    );
  } catch (error) {
    failures += 1;
    console.error(`FAIL  ${manifest.name} (examples/${example}): ${error.stderr || error.message}`);
  }
}
rmSync(work, { recursive: true, force: true });
console.log(`${checked - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
