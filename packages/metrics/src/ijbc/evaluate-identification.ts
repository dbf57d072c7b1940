import { join } from 'node:path';
import {
  createHostMatrix,
  DatasetFormatError,
  ensureBackend,
  type HostMatrix,
  readFileOrFail,
} from '@bctkit/tensor-ops';
import {
  DEFAULT_RANKS,
  type GallerySearchResult,
  IJBC_FPIRS,
  searchGallery,
} from '../identification/open-set-search.js';
import { aggregateTemplates, type TemplateFeatures } from './aggregate-templates.js';
import type { IjbcMeta } from './read-meta.js';

/** The 1:N files of the IJB-C "updated meta" download. */
export const IJBC_1N_FILES = {
  galleryG1: 'ijbc_1N_gallery_G1.csv',
  galleryG2: 'ijbc_1N_gallery_G2.csv',
  probes: 'ijbc_1N_probe_mixed.csv',
} as const;

/** Templates of a 1:N list (one CSV row per image; template ids repeat) with their subjects. */
export interface TemplateList {
  readonly templates: Int32Array;
  readonly subjects: Int32Array;
}

/**
 * Reads an IJB-C 1:N CSV (a header row, then `TEMPLATE_ID,SUBJECT_ID,...` per image) into its
 * unique templates, in order of first appearance.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} naming the line of a malformed row or a
 * template listed with two subjects.
 */
export async function readTemplateList(path: string): Promise<TemplateList> {
  const text = (await readFileOrFail(path, 'the IJB-C 1:N file')).toString('latin1');
  const subjectOf = new Map<number, number>();
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const [template, subject] = line.split(',', 2).map(Number);
    if (!Number.isInteger(template) || !Number.isInteger(subject)) {
      throw new DatasetFormatError(
        path,
        undefined,
        `line ${i + 1}: expected "TEMPLATE_ID,SUBJECT_ID,..."`,
      );
    }
    const known = subjectOf.get(template!);
    if (known !== undefined && known !== subject) {
      throw new DatasetFormatError(
        path,
        undefined,
        `line ${i + 1}: template ${template} is listed with subjects ${known} and ${subject}`,
      );
    }
    subjectOf.set(template!, subject!);
  }
  return {
    templates: Int32Array.from(subjectOf.keys()),
    subjects: Int32Array.from(subjectOf.values()),
  };
}

/** 1:N results of one test: per gallery, and combined over G1 and G2. */
export interface IdentificationResult {
  readonly galleries: readonly [GallerySearchResult, GallerySearchResult];
  /** Rank-k identification rate: hits in G1 and G2 over all mated searches. */
  readonly rank: Readonly<Record<string, number>>;
  /** TPIR at each FPIR, the mean of G1's and G2's. */
  readonly tpir: Readonly<Record<string, number>>;
}

/** IJB-C 1:N: `self` (new gallery, new probes) and, with old features, `cross` (old gallery, new probes). */
export interface IjbcIdentificationReport {
  readonly tests: { readonly self: IdentificationResult; readonly cross?: IdentificationResult };
}

function select(templates: TemplateFeatures, ids: Int32Array, file: string): HostMatrix {
  const dim = templates.features.cols;
  const data = new Float32Array(ids.length * dim);
  ids.forEach((id, i) => {
    const row = templates.rowOf.get(id);
    if (row === undefined)
      throw new DatasetFormatError(
        file,
        undefined,
        `template ${id} has no images in ijbc_face_tid_mid.txt`,
      );
    data.set(templates.features.data.subarray(row * dim, (row + 1) * dim), i * dim);
  });
  return createHostMatrix(data, ids.length, dim);
}

/**
 * IJB-C 1:N identification from image features, as MixBCT evaluates it: template features as for
 * 1:1, probes searched in gallery G1 and in gallery G2 separately, rank-k over all mated searches
 * and TPIR averaged over the two galleries. In cross mode the galleries use the old model and the
 * probes the new one (the backfill-free deployment).
 */
export async function evaluateIjbcIdentification(options: {
  metaDirectory: string;
  meta: IjbcMeta;
  features: HostMatrix;
  oldFeatures?: HostMatrix;
  detectorScore?: boolean;
}): Promise<IjbcIdentificationReport> {
  const { metaDirectory, meta, features, oldFeatures, detectorScore = true } = options;
  // The search runs on tfjs: start a backend when the caller has not.
  await ensureBackend();
  const [g1, g2, probes] = await Promise.all(
    [IJBC_1N_FILES.galleryG1, IJBC_1N_FILES.galleryG2, IJBC_1N_FILES.probes].map((name) =>
      readTemplateList(join(metaDirectory, name)),
    ),
  );
  const aggregate = { faceness: detectorScore ? meta.faceness : undefined };
  const newTemplates = aggregateTemplates(features, meta.templates, meta.medias, aggregate);
  const probeFeatures = select(newTemplates, probes!.templates, IJBC_1N_FILES.probes);
  const run = (galleryTemplates: TemplateFeatures): IdentificationResult => {
    const galleries = [g1!, g2!].map((list, i) =>
      searchGallery(
        probeFeatures,
        probes!.subjects,
        select(
          galleryTemplates,
          list.templates,
          i === 0 ? IJBC_1N_FILES.galleryG1 : IJBC_1N_FILES.galleryG2,
        ),
        list.subjects,
      ),
    ) as [GallerySearchResult, GallerySearchResult];
    const mated = galleries[0].mated + galleries[1].mated;
    const rank: Record<string, number> = {};
    for (const k of DEFAULT_RANKS)
      rank[String(k)] = (galleries[0].hits[String(k)]! + galleries[1].hits[String(k)]!) / mated;
    const tpir: Record<string, number> = {};
    for (const f of IJBC_FPIRS)
      tpir[String(f)] = (galleries[0].tpir[String(f)]! + galleries[1].tpir[String(f)]!) / 2;
    return { galleries, rank, tpir };
  };
  const self = run(newTemplates);
  if (oldFeatures === undefined) return { tests: { self } };
  return {
    tests: {
      self,
      cross: run(
        aggregateTemplates(oldFeatures, meta.templates, meta.medias, aggregate, 'old features'),
      ),
    },
  };
}
