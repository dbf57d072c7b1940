// IJB-C-sized 1:1 scoring: 23,124 templates of 512-d and 15,658,489 pairs (19,557 genuine), then
// the ROC and TAR@FAR. Prints our time beside insightface's approach (numpy + scikit-learn) on the
// same data, and checks that the TARs are identical.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const TEMPLATES = 23_124;
const DIM = 512;
const PAIRS = 15_658_489;
const GENUINE = 19_557;

export async function run(args) {
  const json = args.includes('--json');
  const log = json ? () => {} : (line) => console.log(line);
  const ops = await import(join(root, 'packages', 'tensor-ops', 'dist', 'index.js'));
  const metrics = await import(join(root, 'packages', 'metrics', 'dist', 'index.js'));
  const random = ops.SeededRandom.fromSeed(2026);
  // Templates: 4,625 identities x 5 templates, unit vectors near an identity centre.
  const identities = Math.ceil(TEMPLATES / 5);
  const centres = new Float32Array(identities * DIM).map(() => random.nextNormal());
  const features = new Float32Array(TEMPLATES * DIM);
  for (let t = 0; t < TEMPLATES; t++) {
    const c = Math.floor(t / 5);
    let norm = 0;
    for (let k = 0; k < DIM; k++) {
      const value = centres[c * DIM + k] + 2 * random.nextNormal();
      features[t * DIM + k] = value;
      norm += value * value;
    }
    norm = Math.sqrt(norm);
    for (let k = 0; k < DIM; k++) features[t * DIM + k] /= norm;
  }
  const left = new Int32Array(PAIRS);
  const right = new Int32Array(PAIRS);
  const labels = new Uint8Array(PAIRS);
  for (let p = 0; p < PAIRS; p++) {
    if (p < GENUINE) {
      const c = random.nextInt(identities - 1);
      left[p] = c * 5 + random.nextInt(5);
      right[p] = c * 5 + (((left[p] % 5) + 1 + random.nextInt(4)) % 5);
      labels[p] = 1;
    } else {
      left[p] = random.nextInt(TEMPLATES);
      do right[p] = random.nextInt(TEMPLATES);
      while (Math.floor(right[p] / 5) === Math.floor(left[p] / 5));
    }
  }
  const templates = ops.createHostMatrix(features, TEMPLATES, DIM);

  // Ours: pair scores, ROC, TAR at each FAR.
  const start = performance.now();
  const scores = ops.pairDots(templates, templates, left, right);
  const scored = performance.now();
  const roc = metrics.rocCurve(scores, labels);
  const tars = metrics.tarAtFar(roc);
  const done = performance.now();
  const ours = {
    scoreSeconds: (scored - start) / 1000,
    rocSeconds: (done - scored) / 1000,
    totalSeconds: (done - start) / 1000,
    fars: tars.map((point) => point.far),
    tar: tars.map((point) => point.tar),
  };

  // The peer, on the same data.
  let peer;
  const work = mkdtempSync(join(tmpdir(), 'bctkit-bench-ijbc-'));
  try {
    await ops.writeNpy(join(work, 'templates.npy'), templates);
    const pairs = new Float32Array(PAIRS * 2);
    for (let p = 0; p < PAIRS; p++) {
      pairs[2 * p] = left[p];
      pairs[2 * p + 1] = right[p];
    }
    await ops.writeNpy(join(work, 'pairs.npy'), ops.createHostMatrix(pairs, PAIRS, 2));
    await ops.writeNpy(
      join(work, 'labels.npy'),
      ops.createHostMatrix(Float32Array.from(labels), PAIRS, 1),
      [PAIRS],
    );
    peer = JSON.parse(
      execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'ijbc_peer.py'), work], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    );
  } catch (error) {
    peer = undefined;
    log(`peer unavailable (apt-get install python3-sklearn): ${error.message.split('\n')[0]}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const result = {
    benchmark: 'ijbc',
    machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version },
    templates: TEMPLATES,
    dim: DIM,
    pairs: PAIRS,
    ours,
    peer: peer ?? null,
    speedup: peer ? +(peer.totalSeconds / ours.totalSeconds).toFixed(2) : null,
    identicalTar: peer ? ours.tar.every((tar, i) => tar === peer.tar[i]) : null,
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  log(`IJB-C-sized 1:1: ${TEMPLATES} templates x ${DIM}, ${PAIRS} pairs (${GENUINE} genuine)`);
  log(
    `ours: scores ${ours.scoreSeconds.toFixed(2)} s, ROC + TAR ${ours.rocSeconds.toFixed(2)} s, total ${ours.totalSeconds.toFixed(2)} s`,
  );
  if (peer) {
    log(
      `peer (numpy + scikit-learn): scores ${peer.scoreSeconds.toFixed(2)} s, ROC + TAR ${peer.rocSeconds.toFixed(2)} s, total ${peer.totalSeconds.toFixed(2)} s`,
    );
    log(
      `speed-up: ${result.speedup}x (goal >= 12); TAR identical at every FAR: ${result.identicalTar}`,
    );
    ours.fars.forEach((far, i) => {
      log(`  TAR@${far}: ours ${ours.tar[i].toFixed(6)}, peer ${peer.tar[i].toFixed(6)}`);
    });
  }
}
