import { readFile } from 'node:fs/promises';
import { DatasetFormatError, SeededRandom, ShapeMismatchError } from '@bctkit/tensor-ops';
import { expectAllClose, withNoTensorLeaks } from '@bctkit/test-utils';
import { describe, expect, it } from 'vitest';
import { createBackbone } from '../builtins.js';
import linear from '../fixtures/iresnet/linear-2x3.json' with { type: 'json' };
import { exportStateDict, loadStateDict, readStateDict } from './load-state-dict.js';
import { parseTorchCheckpoint } from './read-pth.js';
import { parseSafetensors } from './safetensors.js';
import { toFloat32 } from './state-dict.js';

const fixture = (name: string) => new URL(`../fixtures/iresnet/${name}`, import.meta.url).pathname;
const tinyOptions = { inputSize: 28, widthMultiplier: 0.125, embeddingDim: 32 };

describe('readStateDict', () => {
  it('reads the same tensors from torch.save and from safetensors', async () => {
    const pth = await readStateDict(fixture('iresnet18-tiny.pth'));
    const safe = await readStateDict(fixture('iresnet18-tiny.safetensors'));
    expect([...pth.keys()]).toEqual([...safe.keys()]);
    for (const [name, tensor] of pth) {
      expect(safe.get(name)!.shape, name).toEqual(tensor.shape);
      expect(safe.get(name)!.dtype, name).toBe(tensor.dtype);
      expect(Buffer.from(safe.get(name)!.bytes).equals(Buffer.from(tensor.bytes)), name).toBe(true);
    }
    expect(pth.get('layer1.0.bn1.num_batches_tracked')!.dtype).toBe('int64');
  });

  it('picks the state dict out of a training checkpoint', async () => {
    const state = await readStateDict(fixture('training-checkpoint.pt'));
    expect([...state.keys()]).toEqual(['weight', 'bias']);
    expect(state.get('weight')!.shape).toEqual([3, 2]);
    expectAllClose(toFloat32(state.get('weight')!, 'weight', 'x'), linear.weight);
    expectAllClose(toFloat32(state.get('bias')!, 'bias', 'x'), linear.bias);
    await expect(
      readStateDict(fixture('training-checkpoint.pt'), { key: 'state_dict_head' }),
    ).rejects.toThrow(
      /no state dict named state_dict_head \(state dicts in it: state_dict_backbone\)/,
    );
  });

  it('refuses a pickled module without running it, and explains the fix', async () => {
    await expect(readStateDict(fixture('whole-model.pth'))).rejects.toThrow(
      /refers to the Python object torch\.nn\.modules\.linear\.Linear.*model\.state_dict\(\)/,
    );
  });

  it('refuses a tensor larger than its storage before allocating it (a stride-0 view)', async () => {
    // 747 bytes declaring a [12000, 12000] float32 tensor over one stored element: read element
    // by element it took 576 MB and 13 s.
    const bytes = await readFile(fixture('stride0.pth'));
    expect(bytes.length).toBeLessThan(2048);
    expect(() => parseTorchCheckpoint(bytes, 'stride0.pth')).toThrow(
      /tensor weight declares 144000000 elements over a storage of 1 \(overlapping or stride-0 views are not read/,
    );
  });

  it('refuses the legacy format with the fix', async () => {
    await expect(readStateDict(fixture('legacy.pth'))).rejects.toThrow(
      /legacy files .* re-save with a current torch\.save/,
    );
  });

  it('gets only DatasetFormatError from truncated or damaged files', async () => {
    const random = SeededRandom.fromSeed(5);
    for (const [name, parse] of [
      ['training-checkpoint.pt', parseTorchCheckpoint],
      ['iresnet18-tiny.safetensors', parseSafetensors],
    ] as const) {
      const valid = new Uint8Array(await readFile(fixture(name)));
      let rejected = 0;
      for (let trial = 0; trial < 300; trial++) {
        let bytes = Uint8Array.from(valid);
        if (trial % 2 === 0) bytes = bytes.subarray(0, random.nextInt(bytes.length));
        else
          for (let k = 0; k < 4; k++)
            bytes[random.nextInt(Math.min(bytes.length, 4096))] = random.nextInt(256);
        try {
          parse(bytes, name);
        } catch (error) {
          expect(error, name).toBeInstanceOf(DatasetFormatError);
          rejected++;
        }
      }
      expect(rejected, name).toBeGreaterThan(150);
    }
  });
});

describe('loadStateDict', () => {
  it('names missing, mis-shaped and unexpected tensors and assigns nothing', async () => {
    const state = await readStateDict(fixture('iresnet18-tiny.pth'));
    const model = createBackbone({ type: 'iresnet-18', ...tinyOptions });
    const before = model.tensors.get('conv1.weight')!.dataSync().slice();
    state.delete('layer3.1.bn2.running_var');
    state.set('fc.bias', { ...state.get('fc.bias')!, shape: [31] });
    state.set('head.kernel', state.get('fc.bias')!);
    try {
      loadStateDict(model, state, { file: 'bad.pth' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ShapeMismatchError);
      const message = (error as Error).message;
      expect(message).toContain('missing layer3.1.bn2.running_var (expected shape [32])');
      expect(message).toContain('fc.bias: expected shape [32], got [31]');
      expect(message).toContain('unexpected head.kernel');
    }
    expect(model.tensors.get('conv1.weight')!.dataSync()).toEqual(before);
    model.dispose();
  });

  it('refuses weights of another width', async () => {
    const model = createBackbone({ type: 'iresnet-18', ...tinyOptions, widthMultiplier: 0.25 });
    const state = await readStateDict(fixture('iresnet18-tiny.pth'));
    expect(() => loadStateDict(model, state)).toThrow(
      /conv1\.weight: expected shape \[16,3,3,3\], got \[8,3,3,3\]/,
    );
    model.dispose();
  });

  it('exports what it imported, byte for byte, in PyTorch layout', async () => {
    const state = await readStateDict(fixture('iresnet18-tiny.pth'));
    const model = createBackbone({ type: 'iresnet-18', ...tinyOptions });
    loadStateDict(model, state);
    await withNoTensorLeaks(async () => {
      const exported = await exportStateDict(model);
      expect([...exported.keys()].sort()).toEqual([...state.keys()].sort());
      for (const [name, tensor] of exported) {
        if (name.endsWith('num_batches_tracked')) continue;
        expect(tensor.shape, name).toEqual(state.get(name)!.shape);
        expect(Buffer.from(tensor.bytes).equals(Buffer.from(state.get(name)!.bytes)), name).toBe(
          true,
        );
      }
    });
    model.dispose();
  });
});
