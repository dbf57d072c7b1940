import { readFile } from 'node:fs/promises';
import { DatasetFormatError } from '@bctkit/tensor-ops';

/** An insightface verification set (LFW, CFP-FP, AgeDB-30): encoded images in pairs, and labels. */
export interface VerificationBin {
  /** Encoded images (usually JPEG); images 2k and 2k+1 form pair k. */
  readonly images: readonly Uint8Array[];
  /** 1 when pair k shows the same identity, else 0. */
  readonly sameIdentity: Uint8Array;
}

const MARK = Symbol('mark');
type Value = Uint8Array | boolean | Value[] | readonly [Value, Value] | typeof MARK;

/**
 * Parses an insightface `.bin` set: a Python pickle of `(bins, issame_list)`. Only what such files
 * contain is understood: lists, a 2-tuple, byte strings (Python 2 `str` or Python 3 `bytes`),
 * booleans, memo and framing opcodes. Anything else (in particular globals and calls, which could
 * run code in Python's own unpickler) is refused. numpy-array images (some `.bin` writers store
 * `cv2.imencode` arrays) are not supported yet and are refused with that explanation.
 *
 * @throws {@link @bctkit/tensor-ops!DatasetFormatError} naming the byte offset of the problem.
 */
export function parseVerificationBin(bytes: Uint8Array, file: string): VerificationBin {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Value[] = [];
  const memo = new Map<number, Value>();
  let position = 0;
  const fail = (at: number, message: string): never => {
    throw new DatasetFormatError(file, at, message);
  };
  const need = (count: number, at: number) => {
    if (position + count > bytes.length)
      fail(at, `the pickle ends inside an opcode argument (truncated file?)`);
  };
  const take = (count: number, at: number): Uint8Array => {
    need(count, at);
    const out = bytes.slice(position, position + count);
    position += count;
    return out;
  };
  const pop = (at: number): Value => {
    const value = stack.pop();
    if (value === undefined) fail(at, 'pickle stack underflow');
    return value as Value;
  };
  const popToMark = (at: number): Value[] => {
    const items: Value[] = [];
    for (;;) {
      const value = pop(at);
      if (value === MARK) return items.reverse();
      items.push(value);
    }
  };
  const top = (at: number): Value => stack.at(-1) ?? fail(at, 'pickle stack underflow');
  const listAt = (at: number): Value[] => {
    const list = top(at);
    if (!Array.isArray(list) || Object.isFrozen(list))
      fail(at, 'APPEND on something that is not a list');
    return list as Value[];
  };

  for (;;) {
    const at = position;
    if (position >= bytes.length)
      fail(at, 'the pickle ends without a STOP opcode (truncated file?)');
    const opcode = bytes[position++]!;
    switch (opcode) {
      case 0x80: // PROTO
        need(1, at);
        if (bytes[position++]! > 5)
          fail(at, `pickle protocol ${bytes[position - 1]} is not supported`);
        break;
      case 0x95: // FRAME (length ignored: frames only group opcodes)
        need(8, at);
        position += 8;
        break;
      case 0x5d: // EMPTY_LIST ]
        stack.push([]);
        break;
      case 0x28: // MARK (
        stack.push(MARK);
        break;
      case 0x65: {
        // APPENDS e
        const items = popToMark(at);
        listAt(at).push(...items);
        break;
      }
      case 0x61: {
        // APPEND a
        const item = pop(at);
        listAt(at).push(item);
        break;
      }
      case 0x86: {
        // TUPLE2
        const second = pop(at);
        const first = pop(at);
        stack.push(Object.freeze([first, second]) as readonly [Value, Value]);
        break;
      }
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x55: // SHORT_BINSTRING U (Python 2 str)
      case 0x43: // SHORT_BINBYTES C
        need(1, at);
        stack.push(take(bytes[position++]!, at));
        break;
      case 0x54: // BINSTRING T
      case 0x42: // BINBYTES B
        need(4, at);
        position += 4;
        stack.push(take(view.getUint32(position - 4, true), at));
        break;
      case 0x8e: {
        // BINBYTES8
        need(8, at);
        const length = Number(view.getBigUint64(position, true));
        position += 8;
        stack.push(take(length, at));
        break;
      }
      case 0x71: // BINPUT q
        need(1, at);
        memo.set(bytes[position++]!, top(at));
        break;
      case 0x72: // LONG_BINPUT r
        need(4, at);
        memo.set(view.getUint32(position, true), top(at));
        position += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top(at));
        break;
      case 0x68: // BINGET h
      case 0x6a: {
        // LONG_BINGET j
        const size = opcode === 0x68 ? 1 : 4;
        need(size, at);
        const key = size === 1 ? bytes[position]! : view.getUint32(position, true);
        position += size;
        const value = memo.get(key);
        if (value === undefined) fail(at, `memo entry ${key} is not defined`);
        stack.push(value as Value);
        break;
      }
      case 0x2e: {
        // STOP
        if (stack.length !== 1)
          fail(at, `the pickle ends with ${stack.length} values on its stack, expected 1`);
        return toVerificationBin(stack[0]!, file, at);
      }
      case 0x63: // GLOBAL
      case 0x93: // STACK_GLOBAL
        return fail(
          at,
          'the pickle refers to a Python object (numpy arrays, or code): only lists of image bytes and booleans are read; ' +
            're-save the set with bytes images (e.g. [x.tobytes() for x in bins])',
        );
      default:
        return fail(
          at,
          `unsupported pickle opcode 0x${opcode.toString(16).padStart(2, '0')}; a .bin set holds only lists of image bytes and booleans`,
        );
    }
  }
}

function toVerificationBin(value: Value, file: string, at: number): VerificationBin {
  if (!Array.isArray(value) || value.length !== 2 || !Object.isFrozen(value)) {
    throw new DatasetFormatError(
      file,
      at,
      'expected the pickle to hold a tuple (bins, issame_list)',
    );
  }
  const [bins, issame] = value as unknown as readonly [Value, Value];
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
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new DatasetFormatError(
      path,
      undefined,
      `cannot read the verification set: ${(cause as Error).message}`,
      { cause },
    );
  }
  return parseVerificationBin(bytes, path);
}
