import { join } from 'node:path';
import { DatasetFormatError, readFileOrFail } from '@bctkit/tensor-ops';

/** insightface's IJB-C meta files, parsed. Image rows follow `ijbc_face_tid_mid.txt`. */
export interface IjbcMeta {
  /** Image file names, one per image row. */
  readonly names: readonly string[];
  /** Template id of each image. */
  readonly templates: Int32Array;
  /** Media id of each image. */
  readonly medias: Int32Array;
  /** Detector (faceness) score of each image. */
  readonly faceness: Float32Array;
  /** Five landmarks per image, `[images, 10]` as x1 y1 ... x5 y5 in the loose crop. */
  readonly landmarks: Float32Array;
  /** The verification pairs: template ids and labels (1 genuine, 0 impostor). */
  readonly pairs: {
    readonly left: Int32Array;
    readonly right: Int32Array;
    readonly labels: Uint8Array;
  };
}

/** File names inside an IJB-C `meta` directory. */
export const IJBC_META_FILES = {
  templates: 'ijbc_face_tid_mid.txt',
  landmarks: 'ijbc_name_5pts_score.txt',
  pairs: 'ijbc_template_pair_label.txt',
} as const;

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.at(-1)?.trim() === '') out.pop();
  return out;
}

/**
 * Parses the pair file byte by byte (IJB-C has 15.7 million lines): `template1 template2 label`.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} naming the line of a malformed entry.
 */
export function parsePairFile(bytes: Uint8Array, file: string): IjbcMeta['pairs'] {
  let count = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) count++;
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 10) count++;
  const left = new Int32Array(count);
  const right = new Int32Array(count);
  const labels = new Uint8Array(count);
  let position = 0;
  for (let line = 0; line < count; line++) {
    const fields = [0, 0, 0];
    for (let field = 0; field < 3; field++) {
      while (bytes[position] === 32 || bytes[position] === 9 || bytes[position] === 13) position++;
      const start = position;
      let value = 0;
      while (position < bytes.length && bytes[position]! >= 48 && bytes[position]! <= 57) {
        value = value * 10 + bytes[position]! - 48;
        position++;
      }
      if (position === start) {
        throw new DatasetFormatError(
          file,
          start,
          `line ${line + 1}: expected "template1 template2 label" (three whole numbers)`,
        );
      }
      fields[field] = value;
    }
    while (position < bytes.length && bytes[position] !== 10) {
      if (bytes[position] !== 32 && bytes[position] !== 9 && bytes[position] !== 13) {
        throw new DatasetFormatError(
          file,
          position,
          `line ${line + 1}: unexpected text after the label`,
        );
      }
      position++;
    }
    position++;
    if (fields[2]! > 1)
      throw new DatasetFormatError(
        file,
        undefined,
        `line ${line + 1}: label ${fields[2]} is not 0 or 1`,
      );
    left[line] = fields[0]!;
    right[line] = fields[1]!;
    labels[line] = fields[2]!;
  }
  return { left, right, labels };
}

/**
 * Reads `ijbc_face_tid_mid.txt`, `ijbc_name_5pts_score.txt` and `ijbc_template_pair_label.txt`
 * from an IJB-C `meta` directory and checks that the first two describe the same images row by row.
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} naming the file and line of any problem.
 */
export async function readIjbcMeta(directory: string): Promise<IjbcMeta> {
  const templatePath = join(directory, IJBC_META_FILES.templates);
  const landmarkPath = join(directory, IJBC_META_FILES.landmarks);
  const pairPath = join(directory, IJBC_META_FILES.pairs);
  const templateLines = lines(
    (await readFileOrFail(templatePath, 'the IJB-C meta file')).toString('latin1'),
  );
  const landmarkLines = lines(
    (await readFileOrFail(landmarkPath, 'the IJB-C meta file')).toString('latin1'),
  );
  if (templateLines.length !== landmarkLines.length) {
    throw new DatasetFormatError(
      landmarkPath,
      undefined,
      `${landmarkLines.length} lines, but ${IJBC_META_FILES.templates} has ${templateLines.length}; the two files must describe the same images row by row`,
    );
  }
  const count = templateLines.length;
  const names: string[] = [];
  const templates = new Int32Array(count);
  const medias = new Int32Array(count);
  const faceness = new Float32Array(count);
  const landmarks = new Float32Array(count * 10);
  for (let i = 0; i < count; i++) {
    const fields = templateLines[i]!.trim().split(/\s+/);
    const template = Number(fields[1]);
    const media = Number(fields[2]);
    if (fields.length !== 3 || !Number.isInteger(template) || !Number.isInteger(media)) {
      throw new DatasetFormatError(
        templatePath,
        undefined,
        `line ${i + 1}: expected "image_name template_id media_id"`,
      );
    }
    const points = landmarkLines[i]!.trim().split(/\s+/);
    const values = points.slice(1).map(Number);
    if (points.length !== 12 || !values.every(Number.isFinite)) {
      throw new DatasetFormatError(
        landmarkPath,
        undefined,
        `line ${i + 1}: expected "image_name x1 y1 ... x5 y5 score" (12 fields)`,
      );
    }
    if (points[0] !== fields[0]) {
      throw new DatasetFormatError(
        landmarkPath,
        undefined,
        `line ${i + 1} names ${points[0]}, but line ${i + 1} of ${IJBC_META_FILES.templates} names ${fields[0]}`,
      );
    }
    names.push(fields[0]!);
    templates[i] = template;
    medias[i] = media;
    landmarks.set(values.slice(0, 10), i * 10);
    faceness[i] = values[10]!;
  }
  const pairBytes = new Uint8Array(await readFileOrFail(pairPath, 'the IJB-C meta file'));
  return {
    names,
    templates,
    medias,
    faceness,
    landmarks,
    pairs: parsePairFile(pairBytes, pairPath),
  };
}
