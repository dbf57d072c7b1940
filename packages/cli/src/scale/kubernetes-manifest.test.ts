import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackbone, saveCheckpoint } from '@bctkit/backbones';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assertBuiltIsCurrent, builtBin, startBct, startProcess } from '../testing/built-cli.js';

// The docs' Kubernetes Indexed Job, run as Kubernetes would run it: each index's container
// command in the container's working directory with JOB_COMPLETION_INDEX set, then the docs'
// merge command. The page is the source of truth: edit it and this test follows.
const page = fileURLToPath(new URL('../../../../apps/docs/guide/scale-out.md', import.meta.url));

interface IndexedJob {
  spec: {
    completionMode: string;
    completions: number;
    template: {
      spec: { containers: { command: string[]; args: string[]; workingDir: string }[] };
    };
  };
}

let work: string;
let shared: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  await assertBuiltIsCurrent();
  work = await mkdtemp(join(tmpdir(), 'bctkit-k8s-'));
  shared = join(work, 'shared');
  // `bct` on PATH, as in the image.
  await mkdir(join(work, 'bin'), { recursive: true });
  await writeFile(
    join(work, 'bin', 'bct'),
    `#!/bin/sh\nexec "${process.execPath}" "${builtBin}" "$@"\n`,
  );
  await chmod(join(work, 'bin', 'bct'), 0o755);
  env = { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH}` };
  const model = createBackbone({
    type: 'iresnet-18',
    inputSize: 16,
    widthMultiplier: 1 / 16,
    embeddingDim: 8,
    inputChannels: 1,
    seed: 5,
  });
  await saveCheckpoint(join(shared, 'runs', 'old', 'checkpoint'), model);
  model.dispose();
  await writeFile(
    join(shared, 'ms1mv3.json'),
    JSON.stringify({
      type: 'synthetic',
      classes: 30,
      imagesPerClass: 10,
      height: 16,
      width: 16,
      channels: 1,
    }),
  );
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the Kubernetes Indexed Job of the Scale out page', () => {
  it('runs every index, and the merged shards equal one extraction', async () => {
    const text = await readFile(page, 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(text)?.[1];
    expect(yaml, 'a yaml block on the page').toBeDefined();
    const job = parse(yaml!) as IndexedJob;
    expect(job.spec.completionMode).toBe('Indexed');
    const { command, args, workingDir } = job.spec.template.spec.containers[0]!;
    expect(workingDir).toBe('/shared');
    expect(args.join(' ')).toContain(`$JOB_COMPLETION_INDEX/${job.spec.completions}`);
    for (let index = 0; index < job.spec.completions; index++) {
      const pod = startProcess(command[0]!, [...command.slice(1), ...args], {
        cwd: shared,
        env: { ...env, JOB_COMPLETION_INDEX: String(index) },
      });
      expect(await pod.exited, pod.output).toBe(0);
    }
    const merge = /^bct merge .*$/m.exec(text)?.[0];
    expect(merge, 'a bct merge line on the page').toBeDefined();
    const merging = startProcess('sh', ['-c', merge!.replaceAll('/shared', shared)], {
      cwd: shared,
      env,
    });
    expect(await merging.exited, merging.output).toBe(0);
    expect(merging.output).toMatch(
      new RegExp(`300 x 8 extract rows from ${job.spec.completions} shards`),
    );

    const single = startBct(
      [
        'extract',
        '--model',
        'runs/old/checkpoint',
        '--data',
        'ms1mv3.json',
        '--batch-size',
        '128',
        '--out',
        'single.npy',
      ],
      shared,
    );
    expect(await single.exited, single.output).toBe(0);
    const [merged, reference] = await Promise.all([
      readFile(join(shared, 'old-features.npy')),
      readFile(join(shared, 'single.npy')),
    ]);
    expect(merged.equals(reference)).toBe(true);
  }, 180_000);
});
