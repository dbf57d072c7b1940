import { BctkitError, createRandom } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';

/** A loss under test: embeddings and labels in, a scalar out. */
export interface LossUnderTest {
  /** Name in messages. */
  readonly name: string;
  readonly embeddingDim: number;
  readonly numClasses: number;
  /** Computes the loss. Must not keep or leak tensors. */
  compute(embeddings: tf.Tensor2D, labels: Int32Array): tf.Scalar;
  /**
   * True when a row labelled -1 takes no part in the loss at all (heads); false when it still
   * takes part in an unsupervised term (e.g. L2 to old features). Default true.
   */
  readonly ignoresUnlabelledRows?: boolean;
}

/** Options of {@link checkLossConformance}. */
export interface ConformanceOptions {
  /** Rows per test batch. Default 6. */
  readonly batch?: number;
  /** Finite-difference step. Default 1e-2. */
  readonly step?: number;
  /** Allowed gradient error, relative to the largest gradient entry. Default 2e-2. */
  readonly tolerance?: number;
  readonly seed?: number;
}

/** A conformance check failed; the message says which and by how much. */
export class ConformanceError extends BctkitError {
  constructor(message: string) {
    super('CONFORMANCE', message);
  }
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new ConformanceError(message);
}

function expectThrows(body: () => unknown, message: string): void {
  let threw = false;
  try {
    tf.tidy(() => {
      body();
    });
  } catch {
    threw = true;
  }
  expect(threw, message);
}

/**
 * Runs `body`, turning tfjs's "gradient function not found for <op>" (gradients were never
 * registered: the program did not call `registerGradients()` or `useBackend()`) into a
 * {@link ConformanceError} that says what to call.
 */
export function withGradientHint<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof Error && /gradient function not found/i.test(error.message))
      throw new ConformanceError(
        `${error.message}: tfjs's gradient functions are not registered; call \`await registerGradients()\` (or \`await useBackend('cpu')\`) from @bctkit/tensor-ops before computing gradients`,
      );
    throw error;
  }
}

/**
 * Checks that a loss behaves as bctkit's losses do, for authors of third-party losses (throws a
 * {@link ConformanceError} at the first failure):
 *
 * - its gradient with respect to the embeddings matches central finite differences;
 * - computing the loss and its gradient leaks no tensors;
 * - embeddings of the wrong width and a label count that differs from the batch are refused;
 * - rows labelled -1 are ignored: they get no gradient (when `ignoresUnlabelledRows`), and the
 *   loss stays finite when every row is ignored.
 */
export function checkLossConformance(
  subject: LossUnderTest,
  options: ConformanceOptions = {},
): void {
  const batch = options.batch ?? 6;
  const step = options.step ?? 1e-2;
  const tolerance = options.tolerance ?? 2e-2;
  const random = createRandom(options.seed ?? 0);
  const dim = subject.embeddingDim;
  const values = Float32Array.from({ length: batch * dim }, () => random.nextNormal());
  const labels = Int32Array.from({ length: batch }, (_, row) =>
    row === 1 ? -1 : random.nextInt(subject.numClasses),
  );
  const lossAt = (data: Float32Array) =>
    tf.tidy(() => subject.compute(tf.tensor2d(data, [batch, dim]), labels).dataSync()[0]!);

  // Leaks and gradient.
  const before = tf.memory().numTensors;
  const embeddings = tf.tensor2d(values, [batch, dim]);
  const { value, grad } = withGradientHint(() =>
    tf.valueAndGrad((x: tf.Tensor) => subject.compute(x as tf.Tensor2D, labels))(embeddings),
  );
  const analytic = grad.dataSync() as Float32Array;
  const loss = value.dataSync()[0]!;
  tf.dispose([embeddings, value, grad]);
  expect(
    tf.memory().numTensors === before,
    `${subject.name}: ${tf.memory().numTensors - before} tensors leaked by the loss and its gradient`,
  );
  expect(Number.isFinite(loss), `${subject.name}: the loss is ${loss}`);

  const scale = Math.max(...Array.from(analytic, Math.abs), 1e-6);
  for (let index = 0; index < values.length; index++) {
    const plus = Float32Array.from(values);
    const minus = Float32Array.from(values);
    plus[index]! += step;
    minus[index]! -= step;
    const numeric = (lossAt(plus) - lossAt(minus)) / (2 * step);
    const error = Math.abs(numeric - analytic[index]!);
    expect(
      error <= tolerance * scale,
      `${subject.name}: d loss / d embeddings[${Math.floor(index / dim)}, ${index % dim}] is ${analytic[index]}, finite differences give ${numeric}`,
    );
  }

  // Ignored rows.
  if (subject.ignoresUnlabelledRows ?? true) {
    const ignored = analytic.subarray(dim, 2 * dim);
    expect(
      ignored.every((entry) => entry === 0),
      `${subject.name}: a row labelled -1 received a gradient`,
    );
  }
  const allIgnored = tf.tidy(
    () =>
      subject
        .compute(tf.tensor2d(values, [batch, dim]), new Int32Array(batch).fill(-1))
        .dataSync()[0]!,
  );
  expect(
    Number.isFinite(allIgnored),
    `${subject.name}: the loss of an all-ignored batch is ${allIgnored}`,
  );

  // Shape errors.
  expectThrows(
    () => subject.compute(tf.zeros([batch, dim + 1]) as tf.Tensor2D, labels),
    `${subject.name}: embeddings of width ${dim + 1} were accepted`,
  );
  expectThrows(
    () => subject.compute(tf.zeros([batch, dim]) as tf.Tensor2D, labels.subarray(1)),
    `${subject.name}: ${batch - 1} labels for ${batch} rows were accepted`,
  );
}
