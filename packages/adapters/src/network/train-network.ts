import { createRandom, type HostMatrix } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { AdapterParameter } from '../adapter.js';

/** A small network: named parameters and a forward pass over a batch of rows. */
export type Forward = (parameters: Record<string, tf.Tensor>, input: tf.Tensor2D) => tf.Tensor2D;

/** How a network adapter is trained. */
export interface NetworkTraining {
  /** Passes over the rows. */
  epochs: number;
  /** Rows per Adam step; the rows are shuffled each epoch unless one batch holds them all. */
  batchSize: number;
  learningRate: number;
  /** Seeds the initial weights and the shuffling. */
  seed: number;
  /** Decoupled weight decay (AdamW); 0 for plain Adam. */
  weightDecay: number;
  /** Called after each epoch with the mean loss of its steps. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** He-normal `[fanIn, fanOut]` weights from a seeded generator. */
export function heNormal(seed: number, fanIn: number, fanOut: number): AdapterParameter {
  const random = createRandom(seed);
  const scale = Math.sqrt(2 / fanIn);
  const data = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < data.length; i++) data[i] = random.nextNormal() * scale;
  return { shape: [fanIn, fanOut], data };
}

/**
 * Trains `initial` parameters to minimise the mean over rows of the squared distance between
 * `forward(input)` and `target`, with Adam as PyTorch defines it (betas 0.9 / 0.999, epsilon
 * 1e-8 added to the bias-corrected root, optional decoupled decay). Returns the trained
 * parameters and the final loss over all rows. Leaves no tensors behind.
 */
export function trainNetwork(
  initial: Readonly<Record<string, AdapterParameter>>,
  forward: Forward,
  input: HostMatrix,
  target: HostMatrix,
  training: NetworkTraining,
): { parameters: Record<string, AdapterParameter>; loss: number } {
  const names = Object.keys(initial);
  const variables = Object.fromEntries(
    names.map((name) => [
      name,
      tf.tidy(() => tf.variable(tf.tensor(initial[name]!.data, [...initial[name]!.shape]))),
    ]),
  ) as Record<string, tf.Variable>;
  const moments: tf.Tensor[] = names.map((name) => tf.zerosLike(variables[name]!));
  const squares: tf.Tensor[] = names.map((name) => tf.zerosLike(variables[name]!));
  const random = createRandom(training.seed + 1);
  const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
  const rows = input.rows;
  const batch = Math.min(training.batchSize, rows);
  let step = 0;
  const lossOf = (x: tf.Tensor2D, y: tf.Tensor2D) =>
    tf.mean(
      tf.sum(tf.square(tf.sub(forward(variables as Record<string, tf.Tensor>, x), y)), 1),
    ) as tf.Scalar;
  try {
    for (let epoch = 0; epoch < training.epochs; epoch++) {
      const order =
        batch >= rows ? Uint32Array.from({ length: rows }, (_, i) => i) : random.permutation(rows);
      let total = 0;
      let steps = 0;
      for (let start = 0; start + batch <= rows; start += batch) {
        step += 1;
        const indices = order.subarray(start, start + batch);
        const lossValue = tf.tidy(() => {
          const x = gather(input, indices);
          const y = gather(target, indices);
          const { value, grads } = tf.variableGrads(
            () => lossOf(x, y),
            names.map((name) => variables[name]!),
          );
          const correction1 = 1 - beta1 ** step;
          const correction2 = 1 - beta2 ** step;
          names.forEach((name, i) => {
            const variable = variables[name]!;
            const gradient = grads[variable.name]!;
            const m = tf.add(tf.mul(moments[i]!, beta1), tf.mul(gradient, 1 - beta1));
            const v = tf.add(tf.mul(squares[i]!, beta2), tf.mul(tf.square(gradient), 1 - beta2));
            moments[i]!.dispose();
            squares[i]!.dispose();
            moments[i] = tf.keep(m);
            squares[i] = tf.keep(v);
            const denominator = tf.add(tf.div(tf.sqrt(v), Math.sqrt(correction2)), epsilon);
            let updated = tf.sub(
              variable,
              tf.mul(tf.div(m, denominator), training.learningRate / correction1),
            );
            if (training.weightDecay > 0)
              updated = tf.sub(
                updated,
                tf.mul(variable, training.learningRate * training.weightDecay),
              );
            variable.assign(updated);
          });
          return value.dataSync()[0]!;
        });
        total += lossValue;
        steps += 1;
      }
      training.onEpoch?.(epoch + 1, total / Math.max(steps, 1));
    }
    const loss = tf.tidy(
      () =>
        lossOf(
          tf.tensor2d(input.data, [rows, input.cols]),
          tf.tensor2d(target.data, [rows, target.cols]),
        ).dataSync()[0]!,
    );
    const parameters = Object.fromEntries(
      names.map((name) => [
        name,
        { shape: initial[name]!.shape, data: Float32Array.from(variables[name]!.dataSync()) },
      ]),
    );
    return { parameters, loss };
  } finally {
    tf.dispose([...Object.values(variables), ...moments, ...squares]);
  }
}

function gather(matrix: HostMatrix, indices: Uint32Array): tf.Tensor2D {
  const out = new Float32Array(indices.length * matrix.cols);
  for (let i = 0; i < indices.length; i++)
    out.set(
      matrix.data.subarray(indices[i]! * matrix.cols, (indices[i]! + 1) * matrix.cols),
      i * matrix.cols,
    );
  return tf.tensor2d(out, [indices.length, matrix.cols]);
}

/** Runs `forward` with fixed parameters over all rows, in blocks. */
export function applyNetwork(
  parameters: Readonly<Record<string, AdapterParameter>>,
  forward: Forward,
  input: HostMatrix,
  outputCols: number,
): HostMatrix {
  const out = new Float32Array(input.rows * outputCols);
  tf.tidy(() => {
    const tensors = Object.fromEntries(
      Object.entries(parameters).map(([name, parameter]) => [
        name,
        tf.tensor(parameter.data, [...parameter.shape]),
      ]),
    );
    const block = 4096;
    for (let start = 0; start < input.rows; start += block) {
      const end = Math.min(start + block, input.rows);
      tf.tidy(() => {
        const x = tf.tensor2d(input.data.subarray(start * input.cols, end * input.cols), [
          end - start,
          input.cols,
        ]);
        out.set(forward(tensors, x).dataSync() as Float32Array, start * outputCols);
      });
    }
  });
  return { data: out, rows: input.rows, cols: outputCols };
}
