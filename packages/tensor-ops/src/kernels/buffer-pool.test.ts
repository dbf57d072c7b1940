import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferPoolStatus, clearBufferPool, configureBufferPool } from './buffer-pool.js';
import { installCpuKernels } from './install-cpu-kernels.js';

// Big enough to be pooled (at least 2^14 values).
const SHAPE = [64, 32, 16];
const SIZE = 64 * 32 * 16;

/** A tensor of SIZE values, all `value`. */
const filled = (value: number) => tf.fill(SHAPE, value);

/** Every value of `values` is `expected`. */
function allEqual(values: ArrayLike<number>, expected: number): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== expected) return false;
  return true;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  installCpuKernels();
});

afterAll(() => configureBufferPool({ maxFreeBytes: 6 * 2 ** 30 }));

describe('the buffer pool', () => {
  it('hands a disposed kernel output to the next output of its size', () => {
    const one = filled(1);
    const first = tf.add(one, one);
    first.dispose();
    const before = bufferPoolStatus();
    expect(before.enabled).toBe(true);
    expect(before.freeBuffers).toBeGreaterThan(0);
    const second = tf.add(one, one);
    const after = bufferPoolStatus();
    expect(after.reused).toBe(before.reused + 1);
    // The reused buffer held 2s; it must now hold exactly the new result.
    const third = tf.mul(one, 3);
    expect(allEqual(third.dataSync(), 3)).toBe(true);
    expect(allEqual(second.dataSync(), 2)).toBe(true);
    tf.dispose([one, second, third]);
  });

  it('never reuses an array dataSync() handed out', () => {
    const one = filled(1);
    const sum = tf.add(one, one);
    const values = sum.dataSync();
    sum.dispose();
    const others = [tf.mul(one, 5), tf.mul(one, 7), tf.add(one, 8)];
    expect(allEqual(values, 2)).toBe(true);
    tf.dispose([one, ...others]);
  });

  it('never reuses a buffer a slice still views', () => {
    const one = filled(1);
    const sum = tf.add(one, one);
    const head = tf.slice(sum, [0, 0, 0], [1, 32, 16]); // tfjs makes this a view of sum's buffer
    sum.dispose();
    const others = [tf.mul(one, 5), tf.mul(one, 7)];
    expect(allEqual(head.dataSync(), 2)).toBe(true);
    tf.dispose([one, head, ...others]);
  });

  it("never touches the caller's own arrays", () => {
    const mine = new Float32Array(SIZE).fill(4);
    const tensor = tf.tensor(mine, SHAPE);
    const doubled = tf.add(tensor, tensor);
    tf.dispose([tensor, doubled]);
    const one = filled(1);
    const others = [tf.mul(one, 5), tf.mul(one, 7), tf.add(one, one)];
    expect(allEqual(mine, 4)).toBe(true);
    tf.dispose([one, ...others]);
  });

  it('keeps a buffer shared by reshape until the last tensor goes', () => {
    const one = filled(1);
    const sum = tf.add(one, one);
    const flat = tf.reshape(sum, [SIZE]);
    sum.dispose();
    const others = [tf.mul(one, 5), tf.mul(one, 7)];
    expect(allEqual(flat.dataSync(), 2)).toBe(true);
    tf.dispose([one, flat, ...others]);
  });

  it('keeps at most maxFreeBytes waiting, and frees them all on clear', () => {
    configureBufferPool({ maxFreeBytes: SIZE * 4 });
    const one = filled(1);
    tf.dispose([tf.add(one, one), tf.add(one, 2), tf.add(one, 3)]);
    expect(bufferPoolStatus().freeBytes).toBeLessThanOrEqual(SIZE * 4);
    clearBufferPool();
    expect(bufferPoolStatus()).toMatchObject({ freeBuffers: 0, freeBytes: 0 });
    configureBufferPool({ maxFreeBytes: 6 * 2 ** 30 });
    one.dispose();
    expect(() => configureBufferPool({ maxFreeBytes: -1 })).toThrow(/maxFreeBytes/);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => tf.prelu(tf.sub(filled(i), 1), tf.fill([16], 0.25))).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
