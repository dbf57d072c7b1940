import { createHostMatrix, DatasetFormatError, ShapeMismatchError } from '@bctkit/tensor-ops';
import { expectAllClose } from '@bctkit/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { parseAdapter, serializeAdapter } from './adapter-file.js';
import { applyAdapter, fitAdapter } from './fit-adapter.js';
import reference from './fixtures/adapters.json' with { type: 'json' };

const { from, to, p, q, rows } = reference.procrustes[1]!; // 6 -> 10 dimensions, 60 rows
const x = createHostMatrix(Float32Array.from(from), rows, p);
const y = createHostMatrix(Float32Array.from(to), rows, q);
const names = { from: 'new.npy', to: 'old.npy', side: 'side.npy' };

describe('fitAdapter and applyAdapter', () => {
  it('refuses different row counts, NaN and zero rows, and side information a method does not take', async () => {
    const fewer = createHostMatrix(y.data.slice(0, 59 * q), 59, q);
    await expect(
      fitAdapter({ from: x, to: fewer, names }, { method: 'procrustes' }),
    ).rejects.toThrow(/new\.npy has 60 rows and old\.npy 59/);
    const nan = Float32Array.from(from);
    nan[2 * p + 1] = Number.NaN;
    await expect(
      fitAdapter({ from: createHostMatrix(nan, rows, p), to: y, names }, { method: 'procrustes' }),
    ).rejects.toThrow(/new\.npy.*row 2 is not finite/);
    const zero = Float32Array.from(to);
    zero.fill(0, 4 * q, 5 * q);
    await expect(
      fitAdapter({ from: x, to: createHostMatrix(zero, rows, q), names }, { method: 'affine' }),
    ).rejects.toThrow(DatasetFormatError);
    await expect(
      fitAdapter({ from: x, to: y, side: x, names }, { method: 'procrustes' }),
    ).rejects.toThrow(/side\.npy: the procrustes adapter takes no side information/);
    await expect(
      fitAdapter({ from: x, to: y }, { method: 'procrustes', options: { rankTol: 1 } }),
    ).rejects.toThrow(/rankTol.*rankTolerance/);
  });

  it('round-trips through its file and maps the same; refuses features of the wrong width', async () => {
    const adapter = await fitAdapter(
      { from: x, to: y },
      { method: 'affine', options: { rank: 4 } },
    );
    const again = parseAdapter(serializeAdapter(adapter), 'a.adapter.json');
    expect(again).toMatchObject({
      method: 'affine',
      fromDim: p,
      toDim: q,
      sideDim: 0,
      role: 'query',
    });
    expect(again.fittedOn.rows).toBe(rows);
    expect(again.fittedOn.sha256).toMatch(/^[0-9a-f]{64}$/);
    const before = tf.memory().numTensors;
    expectAllClose(applyAdapter(again, x).data, applyAdapter(adapter, x).data, { atol: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => applyAdapter(again, y, undefined, 'queries.npy')).toThrow(
      /queries\.npy are 10 wide; the affine adapter takes 6/,
    );
    expect(() => applyAdapter(again, y)).toThrow(ShapeMismatchError);
    expect(() => applyAdapter(again, x, x)).toThrow(/fitted without side information/);
  });

  it('refuses a file that is not an adapter, of another version, or damaged', async () => {
    const text = serializeAdapter(await fitAdapter({ from: x, to: y }, { method: 'procrustes' }));
    expect(() => parseAdapter('{"format": "bctkit-checkpoint"}', 'c.json')).toThrow(
      /c\.json.*not an adapter file \(format "bctkit-checkpoint"/,
    );
    expect(() => parseAdapter(text.replace('"version":1', '"version":7'), 'v.json')).toThrow(
      /v\.json.*adapter file version 7; this bctkit reads version 1/,
    );
    const json = JSON.parse(text);
    json.parameters.w.base64 = json.parameters.w.base64.slice(0, 40);
    expect(() => parseAdapter(JSON.stringify(json), 'd.json')).toThrow(
      /d\.json.*parameter w holds 30 bytes/,
    );
  });

  it('fits FCT with side information and maps old features (+ side) towards the new space', async () => {
    // The target depends on both inputs: a map of x alone cannot fit it as well as one of both.
    const side = createHostMatrix(Float32Array.from(reference.procrustes[2]!.from), rows, 10);
    const joined = new Float32Array(rows * q);
    for (let row = 0; row < rows; row++)
      for (let j = 0; j < q; j++)
        joined[row * q + j] = y.data[row * q + j]! + side.data[row * 10 + j]!;
    const target = createHostMatrix(joined, rows, q);
    const options = { hidden: 64, epochs: 300, batchSize: 60, learningRate: 3e-3, seed: 3 };
    const withSide = await fitAdapter({ from: x, to: target, side }, { method: 'fct', options });
    const without = await fitAdapter({ from: x, to: target }, { method: 'fct', options });
    expect(withSide).toMatchObject({ role: 'gallery', sideDim: 10, fromDim: p, toDim: q });
    expect(withSide.fitError).toBeLessThan(without.fitError / 2);
    expect(() => applyAdapter(withSide, x)).toThrow(/takes 10-wide side information/);
    expect(applyAdapter(withSide, x, side).cols).toBe(q);
  });
});
