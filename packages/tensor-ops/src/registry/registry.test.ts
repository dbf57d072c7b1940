import { describe, expect, it } from 'vitest';
import { BctkitError } from '../errors/bctkit-error.js';
import { DuplicateComponentError, UnknownComponentError } from '../errors/errors.js';
import { Registry, type RegistryEntry } from './registry.js';

interface Loss extends RegistryEntry {
  readonly scale: number;
}

function losses(): Registry<Loss> {
  const registry = new Registry<Loss>('loss');
  registry.register({ id: 'arcface', aliases: ['arc'], scale: 64 });
  registry.register({ id: 'cosface', aliases: ['cos', 'large-margin-cosine'], scale: 64 });
  registry.register({ id: 'softmax', scale: 1 });
  return registry;
}

describe('Registry', () => {
  it('finds components by id and alias, ignoring case, underscores and spaces', () => {
    const registry = losses();
    expect(registry.get('arcface').scale).toBe(64);
    expect(registry.get('arc').id).toBe('arcface');
    expect(registry.get('ArcFace').id).toBe('arcface');
    expect(registry.get('Large_Margin Cosine').id).toBe('cosface');
    expect(registry.has('cos')).toBe(true);
    expect(registry.has('triplet')).toBe(false);
  });

  it('lists components sorted by id', () => {
    const registry = new Registry<Loss>('loss');
    registry.register({ id: 'softmax', scale: 1 });
    registry.register({ id: 'arcface', scale: 64 });
    expect(registry.ids()).toEqual(['arcface', 'softmax']);
    expect(registry.list().map((entry) => entry.scale)).toEqual([64, 1]);
  });

  it('answers a typo with "did you mean"', () => {
    const registry = losses();
    const attempt = () => registry.get('acrface');
    expect(attempt).toThrow(UnknownComponentError);
    expect(attempt).toThrow("Unknown loss 'acrface'. Did you mean 'arcface'?");
    try {
      attempt();
    } catch (error) {
      expect(BctkitError.hasCode(error, 'UNKNOWN_COMPONENT')).toBe(true);
      expect((error as UnknownComponentError).suggestions).toEqual(['arcface']);
    }
  });

  it('suggests by prefix and lists what exists when nothing is close', () => {
    const registry = new Registry<RegistryEntry>('backbone');
    for (const depth of [18, 34, 50])
      registry.register({ id: `iresnet-${depth}`, aliases: [`r${depth}`] });
    expect(registry.suggest('iresnet')).toEqual(['iresnet-18', 'iresnet-34', 'iresnet-50']);
    expect(registry.suggest('r5')).toEqual(['iresnet-50']);
    expect(() => registry.get('vit-transformer')).toThrow(
      "Unknown backbone 'vit-transformer'. Known: 'iresnet-18', 'iresnet-34', 'iresnet-50'.",
    );
  });

  it('refuses a duplicate id or alias, including one that clashes only after normalisation', () => {
    const registry = losses();
    expect(() => registry.register({ id: 'arcface', scale: 1 })).toThrow(DuplicateComponentError);
    expect(() => registry.register({ id: 'sphereface', aliases: ['ARC'], scale: 1 })).toThrow(
      "Cannot register loss 'ARC' from built-in: the name is already taken by 'arcface' (built-in).",
    );
    // A clash between plugins names both, so the user knows which one to drop.
    registry.register({ id: 'ract', scale: 1 }, 'bctkit-plugin-ract');
    expect(() => registry.register({ id: 'RACT', scale: 1 }, './my-loss.js')).toThrow(
      "Cannot register loss 'RACT' from ./my-loss.js: the name is already taken by 'ract' (bctkit-plugin-ract).",
    );
    expect(() => registry.register({ id: 'x-y', aliases: ['x_y'], scale: 1 })).toThrow(
      DuplicateComponentError,
    );
    // A refused registration leaves nothing behind.
    expect(registry.has('sphereface')).toBe(false);
    expect(registry.has('x-y')).toBe(false);
  });

  it('remembers where a component comes from, and copies keep it', () => {
    const registry = losses();
    registry.register({ id: 'ract', scale: 1 }, 'bctkit-plugin-ract');
    expect(registry.originOf('arc')).toBe('built-in');
    expect(registry.originOf('RACT')).toBe('bctkit-plugin-ract');
    const copy = registry.copy();
    copy.unregister('ract');
    expect(copy.has('ract')).toBe(false);
    expect(registry.originOf('ract')).toBe('bctkit-plugin-ract');
  });

  it('unregisters a component with its aliases', () => {
    const registry = losses();
    expect(registry.unregister('cosface')).toBe(true);
    expect(registry.has('cos')).toBe(false);
    expect(registry.unregister('cosface')).toBe(false);
    registry.register({ id: 'cosface-v2', aliases: ['cos'], scale: 30 });
    expect(registry.get('cos').scale).toBe(30);
  });
});
