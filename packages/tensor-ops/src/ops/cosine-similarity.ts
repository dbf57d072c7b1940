import { dispose, matMul, type Tensor2D, tidy } from '@tensorflow/tfjs-core';
import { requireBackend } from '../backend/ensure-backend.js';
import { InvalidConfigError, ShapeMismatchError } from '../errors/errors.js';
import { type HostMatrix, hostRowsToTensor } from './host-matrix.js';
import { l2Normalize } from './l2-normalize.js';

/**
 * Cosine similarity of every row of `a` with every row of `b`.
 *
 * @param a `[n, dim]`.
 * @param b `[m, dim]`.
 * @returns `[n, m]`, entry `(i, j)` = cos(a_i, b_j).
 */
export function cosineSimilarity(a: Tensor2D, b: Tensor2D): Tensor2D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) {
    throw new ShapeMismatchError(
      `cosineSimilarity needs [n, d] and [m, d], got [${a.shape}] and [${b.shape}].`,
    );
  }
  return tidy(() => matMul(l2Normalize(a), l2Normalize(b), false, true));
}

/** One block of rows of a similarity matrix, from {@link cosineSimilarityBlocks}. */
export interface SimilarityBlock {
  /** First row of `queries` in this block. */
  readonly rowStart: number;
  /** Rows in this block. */
  readonly rowCount: number;
  /** Row-major `[rowCount, gallery.rows]` scores. */
  readonly scores: Float32Array;
}

/** Options of {@link cosineSimilarityBlocks}. */
export interface CosineBlocksOptions {
  /** Query rows per block; memory is about `blockRows * gallery.rows * 4` bytes. Default 1024. */
  blockRows?: number;
  /** L2-normalise rows first (cosine); `false` gives raw dot products. Default true. */
  normalize?: boolean;
}

/**
 * Streams the `[n, m]` cosine-similarity matrix of two large host matrices block by block, so
 * N x M scores (e.g. 1:N search of every probe against a gallery) never have to exist at once.
 * The gallery is moved to the backend once; each block is computed on the active tfjs backend and
 * returned as a Float32Array. Breaking out of the loop releases every tensor.
 *
 * @example
 * for (const block of cosineSimilarityBlocks(probes, gallery)) rankRows(block.scores);
 */
export function* cosineSimilarityBlocks(
  queries: HostMatrix,
  gallery: HostMatrix,
  options: CosineBlocksOptions = {},
): Generator<SimilarityBlock, void, undefined> {
  const { blockRows = 1024, normalize = true } = options;
  if (!Number.isInteger(blockRows) || blockRows < 1) {
    throw new InvalidConfigError('blockRows', `expected a positive integer, got ${blockRows}`);
  }
  if (queries.cols !== gallery.cols) {
    throw new ShapeMismatchError(
      `cosineSimilarityBlocks: query width ${queries.cols} differs from gallery width ${gallery.cols}.`,
    );
  }
  requireBackend('cosineSimilarityBlocks');
  const galleryTensor = tidy(() => {
    const rows = hostRowsToTensor(gallery);
    return normalize ? l2Normalize(rows) : rows;
  });
  try {
    for (let start = 0; start < queries.rows; start += blockRows) {
      const end = Math.min(queries.rows, start + blockRows);
      const block = tidy(() => {
        const rows = hostRowsToTensor(queries, start, end);
        return matMul(normalize ? l2Normalize(rows) : rows, galleryTensor, false, true);
      });
      const scores = block.dataSync() as Float32Array;
      dispose(block);
      yield { rowStart: start, rowCount: end - start, scores };
    }
  } finally {
    dispose(galleryTensor);
  }
}
