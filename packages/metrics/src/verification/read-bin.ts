import { DatasetFormatError, type PickleValue, readFileOrFail, unpickle } from '@bctkit/tensor-ops';

/** An insightface verification set (LFW, CFP-FP, AgeDB-30): encoded images in pairs, and labels. */
export interface VerificationBin {
  /** Encoded images (usually JPEG); images 2k and 2k+1 form pair k. */
  readonly images: readonly Uint8Array[];
  /** 1 when pair k shows the same identity, else 0. */
  readonly sameIdentity: Uint8Array;
}

/**
 * Parses an insightface `.bin` set: a Python pickle of `(bins, issame_list)`, read with the safe
 * {@link @bctkit/tensor-ops!unpickle}, which allows no globals here. Images must be byte strings
 * (Python 2 `str` or Python 3 `bytes`); numpy-array images (some `.bin` writers store
 * `cv2.imencode` arrays) are refused with an explanation, as is anything that could run code.
 *
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} naming the byte offset of the problem.
 */
export function parseVerificationBin(bytes: Uint8Array, file: string): VerificationBin {
  const value = unpickle(bytes, {
    file,
    refuseGlobal: (name) =>
      `the pickle refers to a Python object (${name}): only lists of image bytes and booleans are read; ` +
      're-save the set with bytes images (e.g. [x.tobytes() for x in bins])',
  });
  return toVerificationBin(value, file, bytes.length);
}

function toVerificationBin(value: PickleValue, file: string, at: number): VerificationBin {
  if (!Array.isArray(value) || value.length !== 2 || !Object.isFrozen(value)) {
    throw new DatasetFormatError(
      file,
      at,
      'expected the pickle to hold a tuple (bins, issame_list)',
    );
  }
  const [bins, issame] = value as readonly PickleValue[];
  if (!Array.isArray(bins) || !bins.every((item) => item instanceof Uint8Array)) {
    throw new DatasetFormatError(
      file,
      at,
      'the first element must be a list of image byte strings',
    );
  }
  if (!Array.isArray(issame) || !issame.every((item) => typeof item === 'boolean')) {
    throw new DatasetFormatError(file, at, 'the second element must be a list of booleans');
  }
  if (bins.length !== 2 * issame.length) {
    throw new DatasetFormatError(
      file,
      at,
      `${bins.length} images for ${issame.length} pairs: expected two images per pair`,
    );
  }
  return {
    images: bins as Uint8Array[],
    sameIdentity: Uint8Array.from(issame as boolean[], (same) => (same ? 1 : 0)),
  };
}

/** Reads an insightface `.bin` verification set (see {@link parseVerificationBin}). */
export async function readVerificationBin(path: string): Promise<VerificationBin> {
  return parseVerificationBin(
    new Uint8Array(await readFileOrFail(path, 'the verification set')),
    path,
  );
}
