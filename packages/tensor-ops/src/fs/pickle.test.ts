import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../errors/errors.js';
import expected from '../fixtures/pickle/expected.json' with { type: 'json' };
import { type PickleValue, unpickle } from './pickle.js';

const fixture = async (name: string) =>
  new Uint8Array(await readFile(new URL(`../fixtures/pickle/${name}`, import.meta.url)));

/** The JSON form tooling/reference/pickle_fixtures.py writes. */
function toExpectedForm(value: PickleValue): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number')
    return Number.isInteger(value) && !Object.is(value, -0) && Math.abs(value) < 2 ** 53
      ? { int: String(value) }
      : { float: value };
  if (typeof value === 'bigint') return { int: String(value) };
  if (typeof value === 'string') return { str: value };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (value instanceof Map)
    return { dict: [...value].map(([key, item]) => [toExpectedForm(key), toExpectedForm(item)]) };
  if (Array.isArray(value))
    return Object.isFrozen(value)
      ? { tuple: value.map(toExpectedForm) }
      : { list: value.map(toExpectedForm) };
  throw new Error(`unexpected value ${String(value)}`);
}

// Protocol 2 stores Python 3 bytes as _codecs.encode(latin-1 text, 'latin1'), b'' as bytes().
const codecsEncode = {
  '__builtin__.bytes': { call: () => new Uint8Array() },
  '_codecs.encode': {
    call: (args: readonly PickleValue[]) =>
      Uint8Array.from(String(args[0]), (character) => character.charCodeAt(0)),
  },
};

describe('unpickle', () => {
  it.each([2, 3, 4, 5])('reads what CPython writes with protocol %i', async (protocol) => {
    const value = unpickle(await fixture(`value-p${protocol}.pkl`), {
      file: 'value.pkl',
      globals: codecsEncode,
    });
    // Floats that happen to be integers are not in the fixture, so the number check is exact.
    expect(toExpectedForm(value)).toEqual(expected.value);
  });

  it('keeps shared references shared (memo)', async () => {
    const value = unpickle(await fixture('value-p4.pkl'), { file: 'value.pkl' }) as Map<
      PickleValue,
      PickleValue
    >;
    const [first, second] = value.get('shared') as PickleValue[];
    expect(first).toBe(second);
  });

  it('calls an allowed global as the caller defines it', async () => {
    const value = unpickle(await fixture('ordered-dict-p2.pkl'), {
      file: 'od.pkl',
      globals: { 'collections.OrderedDict': { call: () => new Map() } },
    });
    expect(toExpectedForm(value)).toEqual({
      dict: [
        [{ str: 'a' }, { int: '1' }],
        [{ str: 'b' }, { list: [{ int: '2' }] }],
      ],
    });
  });

  it('refuses a global it was not given, before calling anything', async () => {
    const bytes = await fixture('evil-p4.pkl');
    expect(() => unpickle(bytes, { file: 'evil.pkl' })).toThrow(
      /evil\.pkl.*refers to the Python object (posix|os)\.system/,
    );
    expect(() =>
      unpickle(bytes, { file: 'evil.pkl', refuseGlobal: (name) => `no ${name} here` }),
    ).toThrow(/no (posix|os)\.system here/);
  });

  it('refuses BUILD and persistent ids unless given hooks', () => {
    // PROTO 2, EMPTY_DICT, EMPTY_DICT, BUILD, STOP
    const build = Uint8Array.from([0x80, 2, 0x7d, 0x7d, 0x62, 0x2e]);
    expect(() => unpickle(build, { file: 'b.pkl' })).toThrow(/BUILD/);
    expect(unpickle(build, { file: 'b.pkl', build: (target) => target })).toEqual(new Map());
    // PROTO 2, BININT1 7, BINPERSID, STOP
    const persistent = Uint8Array.from([0x80, 2, 0x4b, 7, 0x51, 0x2e]);
    expect(() => unpickle(persistent, { file: 'p.pkl' })).toThrow(/persistent ids/);
    expect(
      unpickle(persistent, { file: 'p.pkl', persistentLoad: (id) => `storage ${String(id)}` }),
    ).toBe('storage 7');
  });

  it('names the byte offset of a truncation', async () => {
    const bytes = (await fixture('value-p4.pkl')).subarray(0, 40);
    try {
      unpickle(bytes, { file: 'cut.pkl' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as DatasetFormatError).message).toMatch(/cut\.pkl.*truncated/);
    }
  });
});
