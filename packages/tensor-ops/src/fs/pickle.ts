import { DatasetFormatError } from '../errors/errors.js';

/** A Python tuple, read as a frozen array. */
export type PickleTuple = readonly PickleValue[];

/** A value the safe unpickler produces. Dicts become `Map`s, lists arrays, tuples frozen arrays. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | Map<PickleValue, PickleValue>
  | PickleGlobal
  | { readonly [key: string]: unknown };

/**
 * A Python global (`module.name`) the caller allowed. Calling it (opcode REDUCE) runs the caller's
 * own JavaScript, never anything named by the file.
 */
export interface PickleGlobal {
  readonly kind: 'pickle-global';
  readonly qualifiedName: string;
  /** What REDUCE does with the arguments tuple; absent = the global cannot be called. */
  readonly call?: (args: PickleTuple) => PickleValue;
}

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** File name for error messages. */
  readonly file: string;
  /**
   * The globals a file may name, by qualified name (`collections.OrderedDict`), with what calling
   * them means. Every other global is refused.
   */
  readonly globals?: Readonly<Record<string, Omit<PickleGlobal, 'kind' | 'qualifiedName'>>>;
  /** The message for a refused global (it is given the qualified name). */
  readonly refuseGlobal?: (qualifiedName: string) => string;
  /** Resolves persistent ids (opcode BINPERSID); without it they are refused. */
  readonly persistentLoad?: (id: PickleValue) => PickleValue;
  /**
   * Applies opcode BUILD (`object.__setstate__(state)`); return the object to keep. Without it,
   * BUILD is refused.
   */
  readonly build?: (target: PickleValue, state: PickleValue) => PickleValue;
}

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

function isGlobal(value: unknown): value is PickleGlobal {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'pickle-global'
  );
}

/**
 * A Python unpickler for data, not code: it understands the opcodes that plain containers, numbers,
 * strings and bytes use (protocols 0 to 5, binary forms), and calls only the globals the caller
 * lists, as JavaScript functions the caller wrote. Anything else, in particular an unlisted global,
 * is refused with an error before it has any effect. Use it for files such as insightface `.bin`
 * sets and PyTorch `state_dict` pickles.
 *
 * @throws {@link DatasetFormatError} naming the byte offset of the refused or malformed opcode.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  const { file } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: Slot[] = [];
  const memo = new Map<number, PickleValue>();
  let position = 0;
  let at = 0;

  const fail = (message: string): never => {
    throw new DatasetFormatError(file, at, message);
  };
  const need = (count: number) => {
    if (position + count > bytes.length)
      fail('the pickle ends inside an opcode argument (truncated file?)');
  };
  const take = (count: number): Uint8Array => {
    need(count);
    const out = bytes.slice(position, position + count);
    position += count;
    return out;
  };
  const uint = (size: 1 | 2 | 4 | 8): number => {
    need(size);
    const value =
      size === 1
        ? bytes[position]!
        : size === 2
          ? view.getUint16(position, true)
          : size === 4
            ? view.getUint32(position, true)
            : Number(view.getBigUint64(position, true));
    position += size;
    return value;
  };
  const text = (count: number): string => {
    try {
      return decoder.decode(take(count));
    } catch {
      return fail('a pickled string is not valid UTF-8');
    }
  };
  const pop = (): PickleValue => {
    const value = stack.pop();
    if (value === undefined) fail('pickle stack underflow');
    if (value === MARK) fail('unexpected MARK on the pickle stack');
    return value as PickleValue;
  };
  const popToMark = (): PickleValue[] => {
    const items: PickleValue[] = [];
    for (;;) {
      const value = stack.pop();
      if (value === undefined) fail('pickle stack underflow (no MARK)');
      if (value === MARK) return items.reverse();
      items.push(value as PickleValue);
    }
  };
  const top = (): PickleValue => {
    const value = stack.at(-1);
    if (value === undefined || value === MARK) fail('pickle stack underflow');
    return value as PickleValue;
  };
  const list = (): PickleValue[] => {
    const value = top();
    if (!Array.isArray(value) || Object.isFrozen(value)) fail('APPEND on something not a list');
    return value as PickleValue[];
  };
  const dict = (): Map<PickleValue, PickleValue> => {
    const value = top();
    if (!(value instanceof Map)) fail('SETITEM on something not a dict');
    return value as Map<PickleValue, PickleValue>;
  };
  const tuple = (items: PickleValue[]): PickleTuple => Object.freeze(items);
  const resolveGlobal = (module: string, name: string): PickleGlobal => {
    const qualifiedName = `${module}.${name}`;
    const allowed = options.globals?.[qualifiedName];
    if (allowed === undefined) {
      fail(
        options.refuseGlobal?.(qualifiedName) ??
          `the pickle refers to the Python object ${qualifiedName}, which is not allowed here`,
      );
    }
    return { kind: 'pickle-global', qualifiedName, ...allowed };
  };
  const getMemo = (key: number): PickleValue => {
    const value = memo.get(key);
    if (value === undefined) fail(`memo entry ${key} is not defined`);
    return value as PickleValue;
  };
  const pushInteger = (value: bigint | number) => {
    if (
      typeof value === 'bigint' &&
      value >= BigInt(Number.MIN_SAFE_INTEGER) &&
      value <= BigInt(Number.MAX_SAFE_INTEGER)
    )
      stack.push(Number(value));
    else stack.push(value);
  };

  for (;;) {
    at = position;
    if (position >= bytes.length) fail('the pickle ends without a STOP opcode (truncated file?)');
    const opcode = bytes[position++]!;
    switch (opcode) {
      case 0x80: // PROTO
        if (uint(1) > 5) fail(`pickle protocol ${bytes[position - 1]} is not supported`);
        break;
      case 0x95: // FRAME: the length only groups opcodes
        uint(8);
        break;
      case 0x2e: {
        // STOP
        const result = pop();
        if (stack.length !== 0)
          fail(`the pickle ends with ${stack.length + 1} values on its stack, expected 1`);
        return result;
      }
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(uint(1));
        break;
      case 0x4d: // BININT2
        stack.push(uint(2));
        break;
      case 0x4a: // BININT (signed)
        need(4);
        stack.push(view.getInt32(position, true));
        position += 4;
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const length = uint(1);
        const digits = take(length);
        let value = 0n;
        for (let index = length - 1; index >= 0; index--)
          value = (value << 8n) | BigInt(digits[index]!);
        if (length > 0 && digits[length - 1]! & 0x80) value -= 1n << BigInt(8 * length);
        pushInteger(value);
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(position, false));
        position += 8;
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(uint(1)));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(uint(4)));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(uint(8)));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str, kept as bytes)
      case 0x43: // SHORT_BINBYTES
        stack.push(take(uint(1)));
        break;
      case 0x54: // BINSTRING
      case 0x42: // BINBYTES
        stack.push(take(uint(4)));
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(uint(8)));
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        list().push(item);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popToMark();
        list().push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        dict().set(key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popToMark();
        if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
        const target = dict();
        for (let index = 0; index < items.length; index += 2)
          target.set(items[index]!, items[index + 1]!);
        break;
      }
      case 0x74: // TUPLE
        stack.push(tuple(popToMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const second = pop();
        stack.push(tuple([pop(), second]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const third = pop();
        const second = pop();
        stack.push(tuple([pop(), second, third]));
        break;
      }
      case 0x71: // BINPUT
        memo.set(uint(1), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(uint(4), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(getMemo(uint(1)));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(getMemo(uint(4)));
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const readLine = () => {
          const end = bytes.indexOf(0x0a, position);
          if (end < 0) fail('GLOBAL without a newline-terminated name (truncated file?)');
          const line = new TextDecoder().decode(bytes.subarray(position, end));
          position = end + 1;
          return line;
        };
        const module = readLine();
        stack.push(resolveGlobal(module, readLine()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!isGlobal(callable) || callable.call === undefined)
          fail('REDUCE on something that is not an allowed callable');
        if (!Array.isArray(args)) fail('REDUCE needs an argument tuple');
        try {
          stack.push((callable as PickleGlobal).call!(args as PickleTuple));
        } catch (cause) {
          if (cause instanceof DatasetFormatError) throw cause;
          fail(`${(callable as PickleGlobal).qualifiedName}: ${(cause as Error).message}`);
        }
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = pop();
        if (options.build === undefined) fail('BUILD (object state) is not allowed here');
        stack.push(options.build!(target, state));
        break;
      }
      case 0x51: {
        // BINPERSID
        const id = pop();
        if (options.persistentLoad === undefined) fail('persistent ids are not allowed here');
        try {
          stack.push(options.persistentLoad!(id));
        } catch (cause) {
          if (cause instanceof DatasetFormatError) throw cause;
          fail(`persistent id: ${(cause as Error).message}`);
        }
        break;
      }
      default:
        fail(
          `unsupported pickle opcode 0x${opcode.toString(16).padStart(2, '0')}: only plain data is read (no code)`,
        );
    }
  }
}
