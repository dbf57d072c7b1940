import type { IjbcVerificationReport, VerificationResult } from '../ijbc/evaluate-verification.js';
import type { RetrievalResult } from '../retrieval/retrieval-metrics.js';
import type { RocSamples } from '../verification/sample-roc.js';
import { IJBC_FARS } from '../verification/tar-at-far.js';

/** The tests a report compares. `unconstrained`: a new model trained without compatibility. */
export type ReportTest = 'self' | 'cross' | 'old' | 'unconstrained';

/** Self / cross / old results of one evaluation, with the compatibility verdict. */
export interface CompatibilityReport {
  readonly format: 'bctkit-compatibility-report';
  readonly formatVersion: 1;
  readonly title: string;
  readonly kind: 'ijbc-verification' | 'retrieval';
  /** Column names, in order (e.g. `TAR@1e-4`, `AUC`; or `top-1`, `mAP@R`). */
  readonly columns: readonly string[];
  readonly rows: readonly {
    readonly test: ReportTest;
    readonly values: Readonly<Record<string, number>>;
  }[];
  /**
   * BCT's empirical criterion on `metric`: new queries against the old gallery must beat the old
   * model against itself, `cross > old`. Null without old features.
   */
  readonly criterion: {
    readonly metric: string;
    readonly cross: number;
    readonly old: number;
    readonly compatible: boolean;
  } | null;
  /**
   * Update gain `(cross - old) / (unconstrained - old)` on `metric`: the share of the improvement
   * an unconstrained new model would bring that cross-model search already delivers. Null
   * without an unconstrained result, or when the unconstrained model is not better than the old
   * one (there is no improvement to share, and the ratio's sign would mislead).
   */
  readonly updateGain: number | null;
  /** `self - old` on `metric`: what upgrading and backfilling would bring. */
  readonly selfGain: number | null;
  /** ROC curves per test (verification reports with curves). */
  readonly curves?: Readonly<Partial<Record<ReportTest, RocSamples>>>;
  readonly createdAt: string;
}

/** Test labels as shown in tables and plots. */
export const REPORT_TEST_LABELS: Readonly<Record<ReportTest, string>> = {
  self: 'new / new (self)',
  cross: 'new query / old gallery (cross)',
  old: 'old / old',
  unconstrained: 'unconstrained new / new',
};

function verdict(
  rows: CompatibilityReport['rows'],
  metric: string,
): Pick<CompatibilityReport, 'criterion' | 'updateGain' | 'selfGain'> {
  const value = (test: ReportTest) => rows.find((row) => row.test === test)?.values[metric];
  const [self, cross, old, unconstrained] = (
    ['self', 'cross', 'old', 'unconstrained'] as const
  ).map(value);
  const criterion =
    cross === undefined || old === undefined
      ? null
      : { metric, cross, old, compatible: cross > old };
  const updateGain =
    cross === undefined || old === undefined || unconstrained === undefined || unconstrained <= old
      ? null
      : (cross - old) / (unconstrained - old);
  const selfGain = self === undefined || old === undefined ? null : self - old;
  return { criterion, updateGain, selfGain };
}

/** Options of {@link buildIjbcReport}. */
export interface IjbcReportOptions {
  /** Self-test of a new model trained without compatibility, for the update gain. */
  readonly unconstrained?: VerificationResult;
  /** FAR of the criterion. Default 1e-4. */
  readonly far?: number;
  readonly title?: string;
}

/** A compatibility report from IJB-C 1:1 results (`evaluateIjbcVerification`). */
export function buildIjbcReport(
  report: IjbcVerificationReport,
  options: IjbcReportOptions = {},
): CompatibilityReport {
  const keyOf = (far: number) => `1e-${Math.round(-Math.log10(far))}`;
  const results: [ReportTest, VerificationResult | undefined][] = [
    ['self', report.tests.self],
    ['cross', report.tests.cross],
    ['old', report.tests.old],
    ['unconstrained', options.unconstrained],
  ];
  const rows = results
    .filter((entry): entry is [ReportTest, VerificationResult] => entry[1] !== undefined)
    .map(([test, result]) => ({
      test,
      values: Object.fromEntries([
        ...IJBC_FARS.map((far) => [`TAR@${keyOf(far)}`, result.tar[keyOf(far)]!]),
        ['AUC', result.auc],
      ]),
    }));
  const curves = Object.fromEntries(
    results
      .filter(([, result]) => result?.curve !== undefined)
      .map(([test, result]) => [test, result!.curve!]),
  );
  return {
    format: 'bctkit-compatibility-report',
    formatVersion: 1,
    title: options.title ?? 'IJB-C 1:1 verification',
    kind: 'ijbc-verification',
    columns: [...IJBC_FARS.map((far) => `TAR@${keyOf(far)}`), 'AUC'],
    rows,
    ...verdict(rows, `TAR@${keyOf(options.far ?? 1e-4)}`),
    ...(Object.keys(curves).length > 0 ? { curves } : {}),
    createdAt: new Date().toISOString(),
  };
}

/** Options of {@link buildRetrievalReport}. */
export interface RetrievalReportOptions {
  /** Metric of the criterion: `top-1` (default), `top-5`, ... or `mAP@R`. */
  readonly metric?: string;
  readonly title?: string;
}

/** A compatibility report from retrieval results (`retrievalMetrics`) per test. */
export function buildRetrievalReport(
  tests: Readonly<Partial<Record<ReportTest, RetrievalResult>>> & {
    readonly self: RetrievalResult;
  },
  options: RetrievalReportOptions = {},
): CompatibilityReport {
  const rows = (['self', 'cross', 'old', 'unconstrained'] as const)
    .filter((test) => tests[test] !== undefined)
    .map((test) => {
      const result = tests[test]!;
      return {
        test,
        values: {
          ...Object.fromEntries(
            Object.entries(result.top).map(([k, value]) => [`top-${k}`, value]),
          ),
          'mAP@R': result.mapAtR,
        },
      };
    });
  return {
    format: 'bctkit-compatibility-report',
    formatVersion: 1,
    title: options.title ?? 'Retrieval',
    kind: 'retrieval',
    columns: Object.keys(rows[0]!.values),
    rows,
    ...verdict(rows, options.metric ?? 'top-1'),
    createdAt: new Date().toISOString(),
  };
}
