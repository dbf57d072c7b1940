import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidConfigError } from '../errors/errors.js';
import { parseConfig } from './parse-config.js';

const schema = z.strictObject({
  type: z.literal('mixbct'),
  ratio: z.number().gt(0).lte(1).default(0.3),
  head: z
    .strictObject({ scale: z.number().positive().default(64), margin: z.number().default(0.5) })
    .default({ scale: 64, margin: 0.5 }),
});

function problems(value: unknown, prefix?: string): readonly string[] {
  try {
    parseConfig(schema, value, prefix);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return (error as InvalidConfigError).problems;
  }
  throw new Error('expected parseConfig to throw');
}

describe('parseConfig', () => {
  it('returns the parsed config with defaults filled in', () => {
    expect(parseConfig(schema, { type: 'mixbct' })).toEqual({
      type: 'mixbct',
      ratio: 0.3,
      head: { scale: 64, margin: 0.5 },
    });
  });

  it('catches a misspelt key with a suggestion, at any depth', () => {
    expect(problems({ type: 'mixbct', raito: 0.3 })).toEqual([
      "raito: unknown key (did you mean 'ratio'?)",
    ]);
    expect(problems({ type: 'mixbct', head: { scael: 30 } }, 'loss')).toEqual([
      "loss.head.scael: unknown key (did you mean 'head.scale'?)",
    ]);
  });

  it('lists the allowed keys when no key is close', () => {
    expect(problems({ type: 'mixbct', learningRate: 0.1 })).toEqual([
      'learningRate: unknown key; allowed: type, ratio, head',
    ]);
  });

  it('reports every problem at once with its path', () => {
    const found = problems({ type: 'mixbct', ratio: 1.5, head: { scale: -1 } }, 'loss');
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^loss\.ratio: /);
    expect(found[1]).toMatch(/^loss\.head\.scale: /);
  });

  it('names the whole config when it is not an object', () => {
    expect(problems(42)[0]).toMatch(/^\(config\): /);
  });
});
