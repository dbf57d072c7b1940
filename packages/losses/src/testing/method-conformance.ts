import { createRandom, type HostMatrix, InvalidConfigError, Registry } from '@bctkit/tensor-ops';
import * as tf from '@tensorflow/tfjs-core';
import { type CompatibilitySpec, createHead, prepareCompatibilityLoss } from '../builtins.js';
import type { CompatibilityLoss } from '../compat/compatibility-loss.js';
import type { ResourceSpec, Resources } from '../compat/resources.js';
import {
  ConformanceError,
  type ConformanceOptions,
  checkLossConformance,
  withGradientHint,
} from './conformance.js';

/** Options of {@link checkMethodConformance}. */
export interface MethodConformanceOptions extends ConformanceOptions {
  /** The method's options besides `type`, e.g. `{ scale: 4 }`. Default none. */
  readonly config?: Record<string, unknown>;
  /** Width of the synthetic embeddings. Default 4. */
  readonly embeddingDim?: number;
  /** Classes of the synthetic head. Default 5. */
  readonly numClasses?: number;
  /**
   * True when rows labelled -1 take no part in the loss (most methods); false when an
   * unsupervised term still covers them (L2). Default true.
   */
  readonly ignoresUnlabelledRows?: boolean;
}

function fail(message: string): never {
  throw new ConformanceError(message);
}

/** A synthetic matrix for a declared resource, of the shape its declaration asks for. */
function syntheticResource(
  spec: ResourceSpec,
  sizes: { images: number; classes: number; embeddingDim: number },
  random: ReturnType<typeof createRandom>,
): HostMatrix {
  const rows = spec.rows === 'images' ? sizes.images : sizes.classes;
  const cols =
    spec.cols === 'flag'
      ? 1
      : spec.cols === 'embedding'
        ? sizes.embeddingDim
        : spec.cols === 'at-most-embedding'
          ? Math.max(1, sizes.embeddingDim - 1)
          : spec.cols === 'any'
            ? 3
            : spec.cols;
  const data = Float32Array.from({ length: rows * cols }, (_, index) =>
    spec.cols === 'flag' ? (index % 3 === 2 ? 0 : 1) : random.nextNormal(),
  );
  return { data, rows, cols };
}

/** The rows `[start, start + count)` of a matrix. */
function rowsOf(matrix: HostMatrix, start: number, count: number): HostMatrix {
  return {
    data: matrix.data.subarray(start * matrix.cols, (start + count) * matrix.cols),
    rows: count,
    cols: matrix.cols,
  };
}

function expectConfigError(body: () => Promise<unknown>, pattern: string, message: string) {
  return body().then(
    () => fail(message),
    (error: unknown) => {
      if (!(error instanceof InvalidConfigError) || !error.message.includes(pattern))
        fail(`${message} (it threw ${String(error)})`);
    },
  );
}

/**
 * Checks a compatibility method as a trainer will use it, from its registry entry (throws a
 * {@link ConformanceError} at the first failure):
 *
 * - its declared resources are enforced: a run without one, or with one of the wrong row count,
 *   is refused with an error naming `resources.<key>`;
 * - built from synthetic resources of the declared shapes through its `prepare`, its loss passes
 *   {@link checkLossConformance} (gradients by finite differences, leaks, bad shapes), given each
 *   batch only what it declared: a method that reads old features or credible flags it did not
 *   declare fails here;
 * - the gradients of its own trainable variables are finite;
 * - a stateful method (`state()`) restored into a new instance from its state and variables
 *   computes the same loss as the original: a checkpointed run resumes exactly;
 * - preparing, creating and disposing it leaks no tensors.
 */
export async function checkMethodConformance(
  spec: CompatibilitySpec,
  options: MethodConformanceOptions = {},
): Promise<void> {
  const name = spec.id;
  const dim = options.embeddingDim ?? 4;
  const classes = options.numClasses ?? 5;
  const batch = options.batch ?? 6;
  const images = 2 * batch;
  const random = createRandom(options.seed ?? 0);
  const labels = Int32Array.from({ length: images }, (_, row) => row % classes);
  const sizes = { images, classes, embeddingDim: dim };
  const matrices = new Map<string, HostMatrix>();
  for (const resource of spec.resources)
    matrices.set(resource.key, syntheticResource(resource, sizes, random));
  const resources: Resources = { labels, numClasses: classes, embeddingDim: dim, matrices };
  const config = { ...options.config, type: spec.id };
  const registry = new Registry<CompatibilitySpec>('compatibility loss');
  registry.register(spec);
  const build = (given: Resources) => prepareCompatibilityLoss(config, given, name, registry);

  // Declared resources are enforced.
  for (const resource of spec.resources) {
    const without = new Map(matrices);
    without.delete(resource.key);
    await expectConfigError(
      () => build({ ...resources, matrices: without }),
      `resources.${resource.key}`,
      `${name}: a run without its declared resource '${resource.key}' was accepted`,
    );
    const matrix = matrices.get(resource.key)!;
    const extraRow: HostMatrix = {
      data: new Float32Array((matrix.rows + 1) * matrix.cols).fill(1),
      rows: matrix.rows + 1,
      cols: matrix.cols,
    };
    await expectConfigError(
      () => build({ ...resources, matrices: new Map(matrices).set(resource.key, extraRow) }),
      `resources.${resource.key}`,
      `${name}: a '${resource.key}' resource with ${extraRow.rows} rows was accepted`,
    );
  }

  const before = tf.memory().numTensors;
  const head = createHead(
    { type: 'softmax' },
    { numClasses: classes, embeddingDim: dim, seed: options.seed ?? 0 },
  );
  const loss = await build(resources);
  const perImage = spec.resources.filter((resource) => resource.rows === 'images');
  /** What a trainer hands the method for the batch of images `[start, start + rows)`. */
  const batchInputs = (embeddings: tf.Tensor2D, batchLabels: Int32Array, start = 0) => {
    const rows = embeddings.shape[0];
    const batchResources = new Map(
      perImage.map((resource) => [
        resource.key,
        rowsOf(matrices.get(resource.key)!, start, Math.min(rows, images - start)),
      ]),
    );
    const old = batchResources.get('oldFeatures');
    const credible = batchResources.get('credible');
    return {
      embeddings,
      labels: batchLabels,
      ...(old === undefined
        ? {}
        : { old: tf.tensor2d(old.data, [old.rows, old.cols]) as tf.Tensor2D }),
      ...(credible === undefined ? {} : { credible: credible.data }),
      resources: batchResources,
      epoch: 0,
      epochs: 2,
      progress: 0.5,
      seed: 7,
    };
  };
  const lossOf = (subject: CompatibilityLoss, embeddings: tf.Tensor2D, batchLabels: Int32Array) =>
    tf.tidy(() => subject.loss(batchInputs(embeddings, batchLabels), head));

  try {
    try {
      checkLossConformance(
        {
          name,
          embeddingDim: dim,
          numClasses: classes,
          ignoresUnlabelledRows: options.ignoresUnlabelledRows ?? true,
          compute: (embeddings, batchLabels) => lossOf(loss, embeddings, batchLabels),
        },
        { ...options, batch },
      );
    } catch (error) {
      if (error instanceof ConformanceError) throw error;
      fail(
        `${name}: the loss failed with only its declared resources (${spec.resources.map((resource) => resource.key).join(', ') || 'none'}): ${String(error)}`,
      );
    }

    // Gradients of the method's own variables.
    if (loss.trainableVariables.length > 0) {
      const embeddings = tf.randomNormal([batch, dim], 0, 1, 'float32', 3) as tf.Tensor2D;
      const { value, grads } = withGradientHint(() =>
        tf.variableGrads(
          () => lossOf(loss, embeddings, labels.subarray(0, batch)),
          [...loss.trainableVariables],
        ),
      );
      for (const variable of loss.trainableVariables) {
        const gradient = grads[variable.name];
        if (gradient !== undefined && !Array.from(gradient.dataSync()).every(Number.isFinite))
          fail(`${name}: the gradient of its variable ${variable.name} is not finite`);
      }
      tf.dispose([embeddings, value, ...Object.values(grads)]);
    }

    // A stateful method resumes exactly from its state and variables.
    if (loss.state !== undefined) {
      if (loss.restoreState === undefined)
        fail(`${name}: it has state() but no restoreState(), so a resumed run would lose it`);
      const training: HostMatrix = {
        data: Float32Array.from({ length: images * dim }, () => random.nextNormal()),
        rows: images,
        cols: dim,
      };
      const oldFeatures = matrices.get('oldFeatures');
      await loss.atEpochStart?.({
        epoch: 1,
        labels,
        numClasses: classes,
        ...(oldFeatures === undefined ? {} : { oldFeatures }),
        embedTrainingSet: async () => training,
      });
      const restored = await build(resources);
      try {
        const state = loss.state();
        restored.restoreState!(state);
        for (const [index, variable] of loss.trainableVariables.entries())
          restored.trainableVariables[index]?.assign(variable);
        const embeddings = tf.randomNormal([batch, dim], 0, 1, 'float32', 4) as tf.Tensor2D;
        const batchLabels = labels.subarray(0, batch);
        const [original, resumed] = [loss, restored].map((subject) => {
          const value = lossOf(subject, embeddings, batchLabels);
          const number = value.dataSync()[0]!;
          value.dispose();
          return number;
        });
        embeddings.dispose();
        if (Math.abs(original! - resumed!) > 1e-5 * Math.max(1, Math.abs(original!)))
          fail(
            `${name}: restored from its state, the loss is ${resumed} where the original gives ${original}`,
          );
      } finally {
        restored.dispose();
      }
    }
  } finally {
    loss.dispose();
    head.dispose();
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) fail(`${name}: ${leaked} tensors leaked by prepare, create and dispose`);
}
