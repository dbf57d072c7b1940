import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeAddOn } from './native-kernels.js';

// The add-on trusts nothing it is given: every exported function, called with random shapes,
// lengths and argument types, returns or throws a JavaScript error and never crashes. The calls
// run in a child process, so that a crash fails this test with its signal instead of killing the
// test worker. Skipped without the built add-on (CI builds it and sets
// BCTKIT_EXPECT_NATIVE_KERNELS=1, which native-kernels.test.ts checks).
const available = nativeAddOn().module !== undefined;
const fuzzScript = fileURLToPath(
  new URL('../../../tensor-ops-native/test/fuzz.mjs', import.meta.url),
);

function runFuzz(seed: number, cases: number) {
  const run = spawnSync(process.execPath, [fuzzScript, String(seed), String(cases)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return run;
}

describe.skipIf(!available)('native add-on under random arguments', () => {
  it('returns or throws on 4 x 5,000 random calls to every exported function, never crashes', () => {
    for (const seed of [1, 2, 3, 4]) {
      const run = runFuzz(seed, 5000);
      expect({ seed, signal: run.signal, status: run.status, stderr: run.stderr }).toEqual({
        seed,
        signal: null,
        status: 0,
        stderr: '',
      });
      const report = JSON.parse(run.stdout) as {
        cases: number;
        returned: number;
        threw: number;
        byFunction: Record<string, { returned: number; threw: number }>;
      };
      expect(report.returned + report.threw).toBe(5000);
      // Both outcomes happen for every kernel: the fuzzing reaches the computations, not only
      // the argument checks.
      for (const [name, counts] of Object.entries(report.byFunction)) {
        if (name === 'threads') continue;
        expect({ name, returned: counts.returned > 0 }).toEqual({ name, returned: true });
        expect({ name, threw: counts.threw > 0 }).toEqual({ name, threw: true });
      }
    }
  });

  it('refuses geometries whose sizes wrap around 64 bits or exceed BLAS 32-bit dimensions', () => {
    const addOn = nativeAddOn().module!;
    const empty = new Float32Array(0);
    // batch = inH = inW = inC = 2^16: the image size 2^64 wrapped to 0 and matched empty arrays.
    const wrapping = Int32Array.of(
      65536,
      65536,
      65536,
      65536,
      65536,
      65536,
      65536,
      1,
      1,
      1,
      1,
      1,
      1,
      0,
      0,
    );
    expect(() => addOn.conv2d(empty, empty, empty, wrapping)).toThrow(/too large/);
    expect(() => addOn.conv2dBackpropInput(empty, empty, empty, wrapping)).toThrow(/too large/);
    expect(() => addOn.conv2dBackpropFilter(empty, empty, empty, wrapping)).toThrow(/too large/);
    // An output of 2^31 rows: fine in 64 bits, but more than BLAS's int.
    const rows = Int32Array.of(2, 32768, 32768, 1, 32768, 32768, 1, 1, 1, 1, 1, 1, 1, 0, 0);
    expect(() => addOn.conv2d(empty, empty, empty, rows)).toThrow(/too large/);
    // matmul: 2^21 x 2^21 x 2^22 wraps to 0.
    expect(() =>
      addOn.matmul(empty, empty, empty, 2 ** 21, 2 ** 21, 2 ** 21, 2 ** 22, 2 ** 21, false, false),
    ).toThrow(/too large/);
    // A batch of 0 beside a shared batch of 1 computes nothing (it read an empty a before).
    expect(() =>
      addOn.matmul(empty, new Float32Array(5), new Float32Array(2), 0, 1, 2, 1, 5, false, true),
    ).toThrow(/c has 2 values, expected 0/);
  });
});
