import { join } from 'node:path';
import { DatasetFormatError, readFileOrFail } from '@bctkit/tensor-ops';

/** One image of an LFW-style pair: an identity (folder name) and the image's 1-based number. */
export interface PairImage {
  readonly name: string;
  readonly number: number;
}

/** A verification pair list in LFW's `pairs.txt` format. */
export interface PairList {
  readonly first: readonly PairImage[];
  readonly second: readonly PairImage[];
  /** 1 when pair k shows the same identity. */
  readonly sameIdentity: Uint8Array;
}

/**
 * Parses a pair list in LFW's format (`pairs.txt`, `pairsDevTrain.txt`, `pairsDevTest.txt`): an
 * optional header line of numbers (`10 300` or `500`), then one pair per line, `name n1 n2` for
 * two images of one person or `name1 n1 name2 n2` for two people (tabs or spaces).
 *
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} naming the line of anything else.
 */
export function parsePairList(text: string, file: string): PairList {
  const first: PairImage[] = [];
  const second: PairImage[] = [];
  const same: number[] = [];
  const number = (value: string, line: number) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < 1)
      throw new DatasetFormatError(
        file,
        undefined,
        `line ${line}: '${value}' is not an image number`,
      );
    return parsed;
  };
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const fields = raw.trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (index === 0 && fields.every((field) => /^\d+$/.test(field))) continue;
    const line = index + 1;
    if (fields.length === 3) {
      first.push({ name: fields[0]!, number: number(fields[1]!, line) });
      second.push({ name: fields[0]!, number: number(fields[2]!, line) });
      same.push(1);
    } else if (fields.length === 4) {
      first.push({ name: fields[0]!, number: number(fields[1]!, line) });
      second.push({ name: fields[2]!, number: number(fields[3]!, line) });
      same.push(0);
    } else {
      throw new DatasetFormatError(
        file,
        undefined,
        `line ${line}: expected 'name n1 n2' or 'name1 n1 name2 n2', got '${raw.trim()}'`,
      );
    }
  }
  if (same.length === 0) throw new DatasetFormatError(file, undefined, 'the pair list is empty');
  return { first, second, sameIdentity: Uint8Array.from(same) };
}

/** Reads a pair list in LFW's format (see {@link parsePairList}). */
export async function readPairList(path: string): Promise<PairList> {
  return parsePairList((await readFileOrFail(path, 'the pair list')).toString('utf8'), path);
}

/** LFW's file name of a pair image: `<root>/<name>/<name>_<number, 4 digits>.jpg`. */
export function lfwImagePath(root: string, image: PairImage): string {
  return join(root, image.name, `${image.name}_${String(image.number).padStart(4, '0')}.jpg`);
}
