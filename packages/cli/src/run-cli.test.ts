import { setBackend } from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { runBct as bct } from './testing/run-bct.js';

afterEach(async () => {
  await setBackend('cpu');
});

describe('bct env', () => {
  it('--json reports the backend it fell back to, the runtime and the optional packages', async () => {
    const { code, stdout, stderr } = await bct('env', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.backend.backend).toBe('cpu');
    expect(report.backend.version).toBe('4.22.0');
    expect(report.backend.attempts.map((attempt: { backend: string }) => attempt.backend)).toEqual([
      'tensorflow-gpu',
      'tensorflow',
      'cpu',
    ]);
    expect(report.runtime.node).toBe(process.version);
    expect(report.runtime.cpuCount).toBeGreaterThan(0);
    const packages = Object.fromEntries(
      report.runtime.packages.map((pkg: { name: string; installed: boolean }) => [
        pkg.name,
        pkg.installed,
      ]),
    );
    expect(packages).toEqual({
      '@tensorflow/tfjs-node-gpu': false,
      '@tensorflow/tfjs-node': false,
      '@tensorflow/tfjs-backend-cpu': true,
      '@tensorflow/tfjs-backend-wasm': true,
    });
    expect(['libjpeg-turbo', 'jpeg-js']).toContain(report.jpegDecoder.name);
    if (process.env.BCTKIT_EXPECT_NATIVE_JPEG === '1') expect(report.jpegDecoder.native).toBe(true);
    // On cpu, bctkit's kernels replace tfjs's: native ones with the add-on, else JavaScript.
    const kernels = report.cpuKernels;
    if (process.env.BCTKIT_EXPECT_NATIVE_KERNELS === '1') {
      expect(kernels.native).toContain('Conv2D');
      expect(kernels.nativeUnavailable).toBeUndefined();
    }
    if (kernels.native.length === 0) {
      expect(kernels.javascript).toContain('Conv2DBackpropFilter');
      expect(kernels.nativeUnavailable.length).toBeGreaterThan(0);
    }
  });

  it('prints a readable table by default', async () => {
    const { code, stdout } = await bct('env');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^backend\s+cpu \(@tensorflow\/tfjs-backend-cpu 4\.22\.0\)$/m);
    expect(stdout).toMatch(/^package\s+@tensorflow\/tfjs-node \(not installed\)$/m);
    expect(stdout).toMatch(/^ {2}skipped\s+tensorflow-gpu: .*CUDA 11\.2/m);
    expect(stdout).toMatch(
      /^jpeg\s+(libjpeg-turbo \(native\)|jpeg-js \(native decoder unavailable: .+\))$/m,
    );
    expect(stdout).toMatch(
      /^cpu kernels\s+(native \(OpenBLAS(, oneDNN [\d.]+)?\): .*Conv2D.*|JavaScript \(native add-on unavailable: .+\))$/m,
    );
  });

  it('can report on the wasm backend, which is fine for inference', async () => {
    const { code, stdout } = await bct('env', '--json', '--backend', 'wasm');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).backend.backend).toBe('wasm');
  });

  it('exits 1 with the install command when an absent backend is asked for', async () => {
    const { code, stdout, stderr } = await bct('env', '--backend', 'tensorflow');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('npm install @tensorflow/tfjs-node@4.22.0');
    expect(stderr).not.toContain('    at '); // a message, not a stack trace
  });

  it('suggests the closest backend for a typo', async () => {
    const { code, stderr } = await bct('env', '--backend', 'tensorflw');
    expect(code).toBe(1);
    expect(stderr).toContain("Did you mean 'tensorflow'");
  });
});

describe('bct', () => {
  it('prints its version', async () => {
    const { code, stdout } = await bct('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 with a suggestion for an unknown command', async () => {
    const { code, stderr } = await bct('evn');
    expect(code).toBe(2);
    expect(stderr).toContain('(Did you mean env?)');
  });
});
