import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-converter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalModel } from './external-model.js';
import { type GraphNode, repairFusedReluBeforePrelu } from './prelu-repair.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const float = { type: 'DT_FLOAT' };

/**
 * The defect as tfjs-converter 2.3.1 left it in MobileFaceNet: a 1x1 convolution (weight 1,
 * bias 0) with `Relu` fused into it, whose output a PReLU written as
 * `x + alpha / 2 * (x - |x|)` also reads (alpha 0.25, so `mul` holds 0.125).
 */
function brokenGraph() {
  const constant = (name: string, dims: number[]) => ({
    name,
    op: 'Const',
    attr: {
      dtype: float,
      value: {
        tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: dims.map((size) => ({ size })) } },
      },
    },
  });
  return {
    format: 'graph-model',
    modelTopology: {
      node: <GraphNode[]>[
        {
          name: 'x',
          op: 'Placeholder',
          attr: {
            dtype: float,
            shape: { shape: { dim: [{ size: -1 }, { size: 1 }, { size: 2 }, { size: 1 }] } },
          },
        },
        constant('w', [1, 1, 1, 1]),
        constant('b', [1]),
        constant('half_alpha', [1]),
        {
          name: 'conv',
          op: '_FusedConv2D',
          input: ['x', 'w', 'b'],
          attr: {
            T: float,
            num_args: { i: '1' },
            fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } },
            strides: { list: { i: ['1', '1', '1', '1'] } },
            padding: { s: b64('VALID') },
            data_format: { s: b64('NHWC') },
            dilations: { list: { i: ['1', '1', '1', '1'] } },
            epsilon: { f: 0 },
          },
        },
        { name: 'abs', op: 'Abs', input: ['conv'], attr: { T: float } },
        { name: 'sub', op: 'Sub', input: ['conv', 'abs'], attr: { T: float } },
        { name: 'mul', op: 'Mul', input: ['sub', 'half_alpha'], attr: { T: float } },
        { name: 'out', op: 'Add', input: ['conv', 'mul'], attr: { T: float } },
      ],
      versions: {},
    },
    weightsManifest: [
      {
        paths: ['tiny.bin'],
        weights: [
          { name: 'w', shape: [1, 1, 1, 1], dtype: 'float32' },
          { name: 'b', shape: [1], dtype: 'float32' },
          { name: 'half_alpha', shape: [1], dtype: 'float32' },
        ],
      },
    ],
  };
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'bctkit-prelu-'));
  await writeFile(join(directory, 'tiny.json'), JSON.stringify(brokenGraph()));
  await writeFile(
    join(directory, 'tiny.bin'),
    new Uint8Array(new Float32Array([1, 0, 0.125]).buffer),
  );
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('repairFusedReluBeforePrelu', () => {
  it('takes the Relu out of the fusion and feeds the Add from a restored Relu', () => {
    const graph = brokenGraph();
    const { nodes, repaired } = repairFusedReluBeforePrelu(graph.modelTopology.node);
    expect(repaired).toBe(1);
    const byName = new Map(nodes.map((node) => [node.name, node]));
    const fused = byName
      .get('conv')!
      .attr!.fused_ops!.list!.s!.map((s) => Buffer.from(s, 'base64').toString());
    expect(fused).toEqual(['BiasAdd']);
    expect(byName.get('conv/bctkit_restored_relu')).toMatchObject({ op: 'Relu', input: ['conv'] });
    expect(byName.get('abs')!.input).toEqual(['conv']);
    expect(byName.get('sub')!.input).toEqual(['conv', 'abs']);
    expect(byName.get('out')!.input).toEqual(['conv/bctkit_restored_relu', 'mul']);
    // The input graph is left as it was.
    expect(graph.modelTopology.node[4]!.attr!.fused_ops).toEqual(
      brokenGraph().modelTopology.node[4]!.attr!.fused_ops,
    );
    expect(graph.modelTopology.node[8]!.input).toEqual(['conv', 'mul']);
  });

  it('leaves a graph without the pattern alone', () => {
    const nodes = brokenGraph().modelTopology.node.filter((node) => node.op !== 'Abs');
    expect(repairFusedReluBeforePrelu(nodes).repaired).toBe(0);
  });

  it('turns the published graph (a ReLU) back into the PReLU it was written as', async () => {
    // Pixel values -2 and 3 after the config's normalisation (mean 0, std 1).
    const input = tf.tensor4d([-2, 3], [1, 1, 2, 1]);
    const bctkitInput = tf.div(tf.sub(input, 127.5), 127.5) as tf.Tensor4D;
    const outputs: number[][] = [];
    let before = 0;
    for (const repairPrelu of [false, true, true]) {
      // The second repaired load checks that loading, embedding and disposing leave nothing.
      if (outputs.length === 2) before = tf.memory().numTensors;
      const model = await ExternalModel.create({
        model: join(directory, 'tiny.json'),
        inputSize: [1, 2],
        channels: 1,
        mean: 0,
        std: 1,
        repairPrelu,
      });
      const embedded = model.embed(bctkitInput);
      outputs.push(Array.from(embedded.dataSync()));
      embedded.dispose();
      model.dispose();
    }
    // As published: relu(-2) = 0. Repaired: prelu(-2) = 0.25 * -2 = -0.5; 3 stays 3.
    expect(outputs[0]![0]).toBeCloseTo(0, 4);
    expect(outputs[0]![1]).toBeCloseTo(3, 4);
    expect(outputs[1]![0]).toBeCloseTo(-0.5, 4);
    expect(outputs[1]![1]).toBeCloseTo(3, 4);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([input, bctkitInput]);
  });
});
