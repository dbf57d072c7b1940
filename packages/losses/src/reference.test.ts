import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createCompatibilityLoss, createHead } from './builtins.js';
import type { AdvBctLoss } from './compat/advbct.js';
import type { MixBctLoss } from './compat/mixbct.js';
import type { NcclLoss } from './compat/nccl.js';
import fixture from './fixtures/reference.json' with { type: 'json' };
import type { ClassificationHead } from './heads/margin-head.js';
import { MarginHead } from './heads/margin-head.js';
import { SoftmaxHead } from './heads/softmax-head.js';

// tooling/reference/losses.py: independent PyTorch float64 implementations on fixed inputs.
const RELATIVE = 1e-5;

/** Loss and gradients of `lossOf(embeddings)` with respect to the embeddings and head variables. */
function lossAndGradients(
  head: ClassificationHead,
  embeddingValues: number[],
  shape: number[],
  lossOf: (embeddings: tf.Tensor2D) => tf.Scalar,
) {
  const [batch, dim] = shape as [number, number];
  const embeddings = tf.tensor2d(embeddingValues, [batch, dim]);
  const variables = head.trainableVariables;
  const start = tf.memory().numTensors;
  const { value, grads } = tf.valueAndGrads((e: tf.Tensor, ...weights: tf.Tensor[]) => {
    void weights;
    return lossOf(e as tf.Tensor2D);
  })([embeddings, ...variables]);
  const result = {
    loss: value.dataSync()[0]!,
    gradEmbeddings: grads[0]!.dataSync(),
    gradVariables: grads.slice(1).map((g) => g.dataSync()),
  };
  tf.dispose([value, ...grads]);
  expect(tf.memory().numTensors, 'no leaked tensors').toBe(start);
  embeddings.dispose();
  return result;
}

/**
 * Relative tolerance on the entries, absolute on the scale of the largest one (at least 0.1, so
 * float32 rounding noise around gradients that are exactly zero in float64, such as a bias before
 * a BatchNorm, is not a failure).
 */
function expectGradientClose(actual: ArrayLike<number>, expected: number[], message: string) {
  const scale = Math.max(...expected.map(Math.abs), 0.1);
  expectAllClose(actual, expected, { rtol: RELATIVE, atol: RELATIVE * scale, message });
}

function setWeight(head: ClassificationHead, values: number[]) {
  tf.tidy(() => head.weight.assign(tf.tensor2d(values, head.weight.shape as [number, number])));
}

describe('margin heads against PyTorch', () => {
  it.each(fixture.heads)('$name: loss and gradients (embeddings and class centres)', (c) => {
    const [, dim, classes] = c.shape as [number, number, number];
    const head = new MarginHead(c.name, {
      numClasses: classes,
      embeddingDim: dim,
      scale: c.scale,
      m1: c.m1,
      m2: c.m2,
      m3: c.m3,
      ...(c.mode === 'straight-through' ? { gradient: 'straight-through' as const } : {}),
    });
    setWeight(head, c.weight);
    const result = lossAndGradients(head, c.embeddings, c.shape, (e) => head.loss(e, c.labels));
    expect(Math.abs(result.loss - c.loss)).toBeLessThanOrEqual(RELATIVE * Math.abs(c.loss));
    expectGradientClose(result.gradEmbeddings, c.gradEmbeddings, 'd loss / d embeddings');
    expectGradientClose(result.gradVariables[0]!, c.gradWeight, 'd loss / d weight');
    // The ignored row (label -1) receives no gradient.
    const ignored = c.labels.indexOf(-1);
    expect(
      result.gradEmbeddings.slice(ignored * dim, (ignored + 1) * dim).every((g) => g === 0),
    ).toBe(true);
    head.dispose();
  });

  it('softmax: loss and gradients (embeddings, weight and bias)', () => {
    const c = fixture.softmax;
    const [, dim, classes] = c.shape as [number, number, number];
    const head = new SoftmaxHead({ numClasses: classes, embeddingDim: dim });
    setWeight(head, c.weight);
    tf.tidy(() => head.bias.assign(tf.tensor1d(c.bias)));
    const result = lossAndGradients(head, c.embeddings, c.shape, (e) => head.loss(e, c.labels));
    expect(Math.abs(result.loss - c.loss)).toBeLessThanOrEqual(RELATIVE * Math.abs(c.loss));
    expectGradientClose(result.gradEmbeddings, c.gradEmbeddings, 'd / d embeddings');
    expectGradientClose(result.gradVariables[0]!, c.gradWeight, 'd / d weight');
    expectGradientClose(result.gradVariables[1]!, c.gradBias, 'd / d bias');
    head.dispose();
  });
});

describe('compatibility losses against PyTorch (ArcFace s 64, m 0.5 head)', () => {
  const configs: Record<string, { type: string } & Record<string, unknown>> = {
    l2: { type: 'l2', lambda: 10, tolerance: 0 },
    'l2-weakened': { type: 'l2', lambda: 10, tolerance: 0.2 },
    bct: { type: 'bct', lambda: 1, scale: 1 },
    'bct-scaled': { type: 'bct', lambda: 1, scale: 30 },
    'bct-arcface': { type: 'bct', lambda: 1, scale: 30, margin: 0.3 },
    mixbct: { type: 'mixbct', ratio: 0.5 },
    lce: { type: 'lce', alignWeight: 100, boundaryWeight: 1, normalizeFeatures: false },
    'lce-normalised': { type: 'lce', alignWeight: 100, boundaryWeight: 1, normalizeFeatures: true },
  };

  it.each(fixture.compat)('$name: loss and gradients', (c) => {
    const [batch, dim, classes] = c.shape as [number, number, number];
    const head = createHead({ type: 'arcface' }, { numClasses: classes, embeddingDim: dim });
    setWeight(head, c.weight);
    const prototypes =
      'prototypes' in c ? tf.tensor2d(c.prototypes as number[], [classes, dim]) : undefined;
    const lce = 'kappa' in c ? (c as unknown as { centres: number[]; kappa: number[] }) : undefined;
    const centres = lce ? tf.tensor2d(lce.centres, [classes, dim]) : undefined;
    const loss = createCompatibilityLoss(configs[c.name]!, {
      ...(prototypes === undefined ? {} : { prototypes }),
      ...(lce === undefined ? {} : { centres: centres!, kappa: lce.kappa }),
    });
    const old = tf.tensor2d(c.old, [batch, dim]);
    const result = lossAndGradients(head, c.embeddings, c.shape, (embeddings) =>
      c.name === 'mixbct'
        ? (loss as MixBctLoss).loss({ embeddings, labels: c.labels, old }, head, {
            rows: (c as { rows: number[] }).rows,
          })
        : loss.loss({ embeddings, labels: c.labels, old }, head),
    );
    expect(Math.abs(result.loss - c.loss)).toBeLessThanOrEqual(RELATIVE * Math.abs(c.loss));
    expectGradientClose(result.gradEmbeddings, c.gradEmbeddings, 'd loss / d embeddings');
    expectGradientClose(result.gradVariables[0]!, c.gradWeight, 'd loss / d weight');
    if (c.name === 'mixbct') {
      for (const row of (c as { rows: number[] }).rows)
        expect(
          result.gradEmbeddings.slice(row * dim, (row + 1) * dim).every((g) => g === 0),
          `replaced row ${row} gets no gradient`,
        ).toBe(true);
    }
    tf.dispose([old, ...(prototypes ? [prototypes] : []), ...(centres ? [centres] : [])]);
    loss.dispose();
    head.dispose();
  });
});

describe('AdvBCT against PyTorch', () => {
  it('loss and gradients: embeddings, class centres, elastic boundaries and discriminator', () => {
    const c = fixture.advbct;
    const [batch, dim, classes] = c.shape as [number, number, number];
    const head = createHead({ type: 'arcface' }, { numClasses: classes, embeddingDim: dim });
    setWeight(head, c.weight);
    const centres = tf.tensor2d(c.centres, [classes, dim]);
    const kept = c.usable.map((usable) => (usable ? 5 : 1));
    const loss = createCompatibilityLoss(
      { type: 'advbct', threshold: c.threshold, hiddenUnits: c.hidden },
      { centres, radius: c.radius, kept },
    ) as AdvBctLoss;
    const d = loss.discriminator;
    tf.tidy(() => {
      loss.elastic.assign(tf.tensor1d(c.elastic));
      d.w1.assign(tf.tensor2d(c.w1, [c.hidden, dim]));
      d.b1.assign(tf.tensor1d(c.b1));
      d.gamma.assign(tf.tensor1d(c.gamma));
      d.beta.assign(tf.tensor1d(c.beta));
      d.w2.assign(tf.tensor2d(c.w2, [2, c.hidden]));
      d.b2.assign(tf.tensor1d(c.b2));
    });
    const old = tf.tensor2d(c.old, [batch, dim]);
    const embeddings = tf.tensor2d(c.embeddings, [batch, dim]);
    const variables = [head.weight, loss.elastic, d.w1, d.b1, d.gamma, d.beta, d.w2, d.b2];
    const { value, grads } = tf.valueAndGrads((e: tf.Tensor, ...rest: tf.Tensor[]) => {
      void rest;
      return loss.loss(
        {
          embeddings: e as tf.Tensor2D,
          labels: c.labels,
          old,
          progress: c.progress,
          epoch: c.epoch,
          epochs: c.epochs,
        },
        head,
      );
    })([embeddings, ...variables]);
    expect(Math.abs(value.dataSync()[0]! - c.loss)).toBeLessThanOrEqual(
      RELATIVE * Math.abs(c.loss),
    );
    const expected = [
      c.grad_embeddings,
      c.grad_weight,
      c.grad_elastic,
      c.grad_w1,
      c.grad_b1,
      c.grad_gamma,
      c.grad_beta,
      c.grad_w2,
      c.grad_b2,
    ];
    const names = ['embeddings', 'weight', 'elastic', 'w1', 'b1', 'gamma', 'beta', 'w2', 'b2'];
    grads.forEach((gradient, index) => {
      expectGradientClose(gradient.dataSync(), expected[index]!, `d loss / d ${names[index]}`);
    });
    tf.dispose([value, ...grads, old, embeddings, centres]);
    loss.dispose();
    head.dispose();
  });
});

describe('NCCL queue', () => {
  it('evicts the oldest rows: a full queue gives the loss of a queue fed only what it kept', () => {
    const dim = 4;
    const classes = 3;
    const head = createHead({ type: 'arcface' }, { numClasses: classes, embeddingDim: dim });
    const rows = (seed: number, count: number) =>
      Array.from({ length: count * dim }, (_, i) => Math.sin(seed * 7.3 + i * 1.7));
    const first = { old: rows(1, 3), labels: [0, 1, 2] };
    const second = { old: rows(2, 3), labels: [2, 0, 1], embeddings: rows(3, 3) };
    const run = (loss: NcclLoss, old: number[], labels: number[], embeddings = old) =>
      tf.tidy(
        () =>
          loss
            .loss(
              {
                embeddings: tf.tensor2d(embeddings, [labels.length, dim]),
                labels: Int32Array.from(labels),
                old: tf.tensor2d(old, [labels.length, dim]),
              },
              head,
            )
            .dataSync()[0]!,
      );
    // Queue of 4: after two batches of 3 it holds the first batch's last row and the second batch.
    const full = createCompatibilityLoss({ type: 'nccl', queueSize: 4 }) as NcclLoss;
    run(full, first.old, first.labels);
    const evicted = run(full, second.old, second.labels, second.embeddings);
    expect(full.queued).toBe(4);
    const fresh = createCompatibilityLoss({ type: 'nccl', queueSize: 4 }) as NcclLoss;
    run(fresh, first.old.slice(2 * dim), first.labels.slice(2));
    expect(run(fresh, second.old, second.labels, second.embeddings)).toBeCloseTo(evicted, 6);
    // A different kept row changes the loss: the comparison can fail.
    const other = createCompatibilityLoss({ type: 'nccl', queueSize: 4 }) as NcclLoss;
    run(other, first.old.slice(0, dim), first.labels.slice(0, 1));
    expect(
      Math.abs(run(other, second.old, second.labels, second.embeddings) - evicted),
    ).toBeGreaterThan(1e-4);
    for (const loss of [full, fresh, other]) loss.dispose();
    head.dispose();
  });
});

describe('NCCL against PyTorch', () => {
  it('two steps: the second contrasts against a queue holding both batches', () => {
    const c = fixture.nccl;
    const [batch, dim, classes] = c.shape as [number, number, number];
    const head = createHead({ type: 'arcface' }, { numClasses: classes, embeddingDim: dim });
    setWeight(head, c.weight);
    const loss = createCompatibilityLoss({ type: 'nccl' }) as NcclLoss;
    c.steps.forEach((step, index) => {
      const old = tf.tensor2d(step.old, [batch, dim]);
      const result = lossAndGradients(head, step.embeddings, c.shape, (embeddings) =>
        loss.loss({ embeddings, labels: step.labels, old }, head),
      );
      expect(loss.queued).toBe(batch * (index + 1));
      expect(Math.abs(result.loss - step.loss)).toBeLessThanOrEqual(RELATIVE * Math.abs(step.loss));
      expectGradientClose(
        result.gradEmbeddings,
        step.gradEmbeddings,
        `step ${index}: d / d embeddings`,
      );
      expectGradientClose(result.gradVariables[0]!, step.gradWeight, `step ${index}: d / d weight`);
      old.dispose();
    });
    loss.dispose();
    head.dispose();
  });
});
