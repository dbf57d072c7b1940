/**
 * IJB-C 1:1 and 1:N, verification sets, self/cross compatibility tests for bctkit.
 *
 * Work in progress under issue #6: the verification core (ROC, TAR at FAR, AUC, 10-fold accuracy)
 * IJB-C 1:1 and 1:N from features (self, cross and old tests) and retrieval metrics (top-k,
 * mAP@R) are here; IJB-C from images and compatibility reports follow.
 * @packageDocumentation
 * @module @bctkit/metrics
 */

export {
  BACKFILL_POLICIES,
  type BackfillCurve,
  type BackfillPoint,
  type BackfillPolicy,
  backfillCurve,
  backfillOrder,
  queryAdapterBackfillInputs,
} from './backfill/backfill.js';
export {
  type BackfillFiles,
  formatBackfillMarkdown,
  writeBackfillReport,
} from './backfill/write-backfill.js';
export {
  buildIjbcReport,
  buildRetrievalReport,
  type CompatibilityReport,
  type IjbcReportOptions,
  REPORT_TEST_LABELS,
  type ReportTest,
  type RetrievalReportOptions,
} from './compat-report/compatibility-report.js';
export { formatReportMarkdown, reportVerdict } from './compat-report/format-report.js';
export {
  type ReportFiles,
  renderReportPlot,
  writeCompatibilityReport,
} from './compat-report/write-report.js';
export {
  DEFAULT_RANKS,
  type GallerySearchResult,
  IJBC_FPIRS,
  type SearchOptions,
  searchGallery,
} from './identification/open-set-search.js';
export {
  type AggregateOptions,
  aggregateTemplates,
  type TemplateFeatures,
} from './ijbc/aggregate-templates.js';
export {
  type AffineMatrix,
  ARCFACE_REFERENCE_POINTS,
  alignFace,
  estimateSimilarity,
  type ImagePixels,
  referencePoints,
  warpAffine,
} from './ijbc/align.js';
export {
  evaluateIjbcIdentification,
  type IdentificationResult,
  IJBC_1N_FILES,
  type IjbcIdentificationReport,
  readTemplateList,
  type TemplateList,
} from './ijbc/evaluate-identification.js';
export {
  evaluateIjbcVerification,
  farKey,
  type IjbcVerificationOptions,
  type IjbcVerificationReport,
  type VerificationResult,
} from './ijbc/evaluate-verification.js';
export { IJBC_META_FILES, type IjbcMeta, parsePairFile, readIjbcMeta } from './ijbc/read-meta.js';
export {
  type CompatibilityMatrix,
  compatibilityMatrix,
  type GenerationCriterion,
  type MatrixMetric,
  type RetrievalMatrixOptions,
  retrievalMatrix,
} from './matrix/compatibility-matrix.js';
export {
  formatMatrixMarkdown,
  type MatrixFiles,
  writeMatrixReport,
} from './matrix/write-matrix.js';
export {
  backfillChartSpec,
  matrixHeatmapSpec,
  metricBarsSpec,
  rocChartSpec,
} from './plots/charts.js';
export { renderSvg, svgToPng } from './plots/render.js';
export {
  type RetrievalOptions,
  type RetrievalResult,
  retrievalMetrics,
} from './retrieval/retrieval-metrics.js';
export {
  evaluatePairs,
  PAIR_SET_FARS,
  type PairEvaluation,
  type PairEvaluationOptions,
  pairFarKey,
} from './verification/evaluate-pairs.js';
export {
  INSIGHTFACE_THRESHOLDS,
  type KFoldAccuracy,
  type KFoldOptions,
  kFoldAccuracy,
} from './verification/k-fold-accuracy.js';
export {
  lfwImagePath,
  type PairImage,
  type PairList,
  parsePairList,
  readPairList,
} from './verification/pair-list.js';
export {
  parseVerificationBin,
  readVerificationBin,
  type VerificationBin,
} from './verification/read-bin.js';
export { areaUnderCurve, type Roc, type RocOptions, rocCurve } from './verification/roc.js';
export { type RocSamples, sampleRoc } from './verification/sample-roc.js';
export { IJBC_FARS, type TarAtFar, tarAtFar } from './verification/tar-at-far.js';
export { VERSION } from './version.js';
