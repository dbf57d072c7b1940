/** One node of a tfjs graph model's `modelTopology.node`. */
export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { list?: { s?: string[] } } & Record<string, unknown>>;
}

const FUSED_OPS = new Set(['_FusedConv2D', 'FusedDepthwiseConv2dNative', '_FusedMatMul']);

function fusedOps(node: GraphNode): string[] {
  return (node.attr?.fused_ops?.list?.s ?? []).map((encoded) =>
    Buffer.from(encoded, 'base64').toString('utf8'),
  );
}

/**
 * Undoes a tfjs-converter defect seen in converted TensorFlow models that write PReLU as
 * `relu(x) + alpha * (x - abs(x)) * 0.5` (MobileFaceNet among them): the converter fused the
 * `Relu` into the convolution before it, although the PReLU's `Abs` and `Sub` read the value
 * *before* the activation. After that fusion the negative branch is always zero and every such
 * PReLU acts as a plain ReLU.
 *
 * For each fused node whose last fused op is `Relu` and whose output an `Abs` reads, the `Relu`
 * is taken out of the fusion and put back as its own node, which the node's other consumers (the
 * PReLU's `Add`) read instead; `Abs` and `Sub` keep reading the value before the activation.
 * Returns a repaired copy of `nodes` and how many nodes were repaired; `nodes` is not changed.
 */
export function repairFusedReluBeforePrelu(nodes: readonly GraphNode[]): {
  nodes: GraphNode[];
  repaired: number;
} {
  const readers = new Map<string, GraphNode[]>();
  const copies = nodes.map((node) => ({ ...node, input: node.input?.slice() }));
  for (const node of copies)
    for (const input of node.input ?? []) {
      const source = input.split(':')[0]!;
      readers.set(source, [...(readers.get(source) ?? []), node]);
    }
  const out: GraphNode[] = [];
  let repaired = 0;
  for (const node of copies) {
    out.push(node);
    const ops = fusedOps(node);
    const consumers = readers.get(node.name) ?? [];
    if (
      !FUSED_OPS.has(node.op) ||
      ops.at(-1) !== 'Relu' ||
      !consumers.some((consumer) => consumer.op === 'Abs')
    )
      continue;
    const encoded = node.attr!.fused_ops!.list!.s!;
    node.attr = {
      ...node.attr,
      fused_ops: { ...node.attr!.fused_ops, list: { s: encoded.slice(0, -1) } },
    };
    const relu = `${node.name}/bctkit_restored_relu`;
    out.push({ name: relu, op: 'Relu', input: [node.name], attr: { T: { type: 'DT_FLOAT' } } });
    for (const consumer of consumers)
      if (consumer.op !== 'Abs' && consumer.op !== 'Sub')
        consumer.input = consumer.input!.map((input) => (input === node.name ? relu : input));
    repaired += 1;
  }
  return { nodes: out, repaired };
}
