import '@tensorflow/tfjs-backend-wasm';
import { expectAllClose, expectNoTensorLeaks } from '@bctkit/test-utils';
import { getBackend, setBackend, tensor, tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reference } from '../fixtures/reference.js';
import { cosineSimilarity, cosineSimilarityBlocks } from './cosine-similarity.js';
import { gatherRows } from './gather-rows.js';
import { createHostMatrix } from './host-matrix.js';
import { l2Normalize } from './l2-normalize.js';
import { replaceRows } from './replace-rows.js';
import { safeAcos } from './safe-acos.js';

// The forward passes of every op against the same PyTorch reference on each backend bctkit
// supports here. (Gradients are checked on cpu in each op's own test; wasm is inference-only.)
describe.each(['cpu', 'wasm'])('forward values on the %s backend', (backend) => {
  beforeAll(async () => {
    expect(await setBackend(backend)).toBe(true);
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('runs on the requested backend', () => {
    expect(getBackend()).toBe(backend);
  });

  it('l2Normalize', () => {
    const { x, shape, y } = reference.l2Normalize;
    expectNoTensorLeaks(() => {
      const input = tensor(x, shape);
      const out = l2Normalize(input);
      expectAllClose(out.dataSync(), y, { atol: 1e-6 });
      input.dispose();
      out.dispose();
    });
  });

  it('cosineSimilarity and its block form', () => {
    const { a, aShape, b, bShape, sims } = reference.cosine;
    expectAllClose(
      cosineSimilarity(
        tensor2d(a, aShape as [number, number]),
        tensor2d(b, bShape as [number, number]),
      ).dataSync(),
      sims,
      { atol: 1e-6 },
    );
    const queries = createHostMatrix(Float32Array.from(a), aShape[0]!, aShape[1]!);
    const gallery = createHostMatrix(Float32Array.from(b), bShape[0]!, bShape[1]!);
    const collected = new Float32Array(sims.length);
    for (const block of cosineSimilarityBlocks(queries, gallery, { blockRows: 3 })) {
      collected.set(block.scores, block.rowStart * gallery.rows);
    }
    expectAllClose(collected, sims, { atol: 1e-6 });
  });

  it('gatherRows and replaceRows', () => {
    const { x, shape, rows, replacement, mixed } = reference.replaceRows;
    const input = tensor2d(x, shape as [number, number]);
    const out = replaceRows(input, rows, tensor2d(replacement, [2, 4]));
    expectAllClose(out.dataSync(), mixed, { atol: 1e-7 });
    expectAllClose(gatherRows(out, [4]).dataSync(), replacement.slice(0, 4), { atol: 1e-7 });
  });

  it('safeAcos', () => {
    const { x, y } = reference.acos;
    expectAllClose(safeAcos(tensor1d(x)).dataSync(), y, { atol: 2e-6 });
  });
});
