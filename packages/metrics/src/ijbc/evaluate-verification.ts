import {
  DatasetFormatError,
  type HostMatrix,
  pairDots,
  ShapeMismatchError,
} from '@bctkit/tensor-ops';
import { areaUnderCurve, rocCurve } from '../verification/roc.js';
import { type RocSamples, sampleRoc } from '../verification/sample-roc.js';
import { IJBC_FARS, tarAtFar } from '../verification/tar-at-far.js';
import { aggregateTemplates, type TemplateFeatures } from './aggregate-templates.js';
import type { IjbcMeta } from './read-meta.js';

/** One test's results: TAR at each FAR (keys `1e-6` ... `1e-1`) and the AUC. */
export interface VerificationResult {
  readonly tar: Readonly<Record<string, number>>;
  readonly auc: number;
  /** The ROC resampled for plotting, when `curvePoints` was given. */
  readonly curve?: RocSamples;
}

/** IJB-C 1:1 results: `self` (new/new), and with old features `cross` (old/new) and `old` (old/old). */
export interface IjbcVerificationReport {
  readonly tests: {
    readonly self: VerificationResult;
    readonly cross?: VerificationResult;
    readonly old?: VerificationResult;
  };
  readonly pairs: number;
  readonly templates: number;
}

/** Options of {@link evaluateIjbcVerification}. */
export interface IjbcVerificationOptions {
  meta: IjbcMeta;
  /** New-model features, one row per image in meta order, flip-summed, not normalised. */
  features: HostMatrix;
  /** Old-model features in the same layout, for the cross and old tests. */
  oldFeatures?: HostMatrix;
  /** Weight image features by the detector score (insightface's default). Default true. */
  detectorScore?: boolean;
  /** Names for error messages. */
  featuresFile?: string;
  oldFeaturesFile?: string;
  /** Also return each test's ROC sampled at this many log-spaced FPRs (for plots). */
  curvePoints?: number;
}

/** `1e-6`, ..., `1e-1`: the keys of a result's `tar`. */
export function farKey(far: number): string {
  return far.toExponential(0);
}

function pairRows(templates: TemplateFeatures, ids: Int32Array, file: string): Int32Array {
  const rows = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const row = templates.rowOf.get(ids[i]!);
    if (row === undefined) {
      throw new DatasetFormatError(
        file,
        undefined,
        `line ${i + 1} names template ${ids[i]}, which has no images in the meta`,
      );
    }
    rows[i] = row;
  }
  return rows;
}

function score(
  left: HostMatrix,
  right: HostMatrix,
  leftRows: Int32Array,
  rightRows: Int32Array,
  labels: Uint8Array,
  curvePoints: number | undefined,
): VerificationResult {
  const roc = rocCurve(pairDots(left, right, leftRows, rightRows), labels);
  const tar: Record<string, number> = {};
  for (const point of tarAtFar(roc, IJBC_FARS)) tar[farKey(point.far)] = point.tar;
  const auc = areaUnderCurve(roc.fpr, roc.tpr);
  return curvePoints === undefined
    ? { tar, auc }
    : { tar, auc, curve: sampleRoc(roc, curvePoints) };
}

/**
 * IJB-C 1:1 verification from image features, as insightface's `eval_ijbc.py` computes it, for the
 * new model alone (`self`) and, with old features, new queries against the old gallery (`cross`:
 * the first template of each pair from the old model, the second from the new, as MixBCT does)
 * and the old model alone (`old`).
 */
export function evaluateIjbcVerification(options: IjbcVerificationOptions): IjbcVerificationReport {
  const {
    meta,
    features,
    oldFeatures,
    detectorScore = true,
    featuresFile = 'features',
    oldFeaturesFile = 'old features',
  } = options;
  if (oldFeatures !== undefined && oldFeatures.cols !== features.cols) {
    throw new ShapeMismatchError(
      `${oldFeaturesFile} has ${oldFeatures.cols} columns but ${featuresFile} has ${features.cols}; compatible models share a dimension`,
    );
  }
  const aggregate = { faceness: detectorScore ? meta.faceness : undefined };
  const newTemplates = aggregateTemplates(
    features,
    meta.templates,
    meta.medias,
    aggregate,
    featuresFile,
  );
  const pairFile = 'ijbc_template_pair_label.txt';
  const left = pairRows(newTemplates, meta.pairs.left, pairFile);
  const right = pairRows(newTemplates, meta.pairs.right, pairFile);
  const points = options.curvePoints;
  const self = score(
    newTemplates.features,
    newTemplates.features,
    left,
    right,
    meta.pairs.labels,
    points,
  );
  if (oldFeatures === undefined)
    return { tests: { self }, pairs: left.length, templates: newTemplates.ids.length };
  const oldTemplates = aggregateTemplates(
    oldFeatures,
    meta.templates,
    meta.medias,
    aggregate,
    oldFeaturesFile,
  );
  return {
    tests: {
      self,
      cross: score(
        oldTemplates.features,
        newTemplates.features,
        left,
        right,
        meta.pairs.labels,
        points,
      ),
      old: score(
        oldTemplates.features,
        oldTemplates.features,
        left,
        right,
        meta.pairs.labels,
        points,
      ),
    },
    pairs: left.length,
    templates: newTemplates.ids.length,
  };
}
