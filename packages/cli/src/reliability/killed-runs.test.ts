import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltIsCurrent, startBct } from '../testing/built-cli.js';
import { until } from '../testing/until.js';
import { fixtureConfig } from './bad-input-fixtures.js';

// Training runs of the built bct stopped from outside: SIGTERM (what schedulers send) and kill -9.
let work: string;
const config = fixtureConfig({
  data: { type: 'synthetic', classes: 8, imagesPerClass: 40, height: 16, width: 16, channels: 1 },
  epochs: 3,
  checkpointEvery: 20,
});
const STEPS = (8 * 40 * 3) / 4;

/** The steps train.jsonl lists, in order. */
async function loggedSteps(run: string): Promise<number[]> {
  const text = await readFile(join(run, 'train.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { step: number }).step);
}

beforeAll(async () => {
  await assertBuiltIsCurrent();
  work = await mkdtemp(join(tmpdir(), 'bctkit-killed-'));
  await writeFile(join(work, 'config.json'), JSON.stringify(config));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('a training run stopped from outside', () => {
  it('SIGTERM finishes the step, checkpoints and exits 143; --resume completes it', async () => {
    const run = join(work, 'term');
    const args = ['train', '--config', join(work, 'config.json'), '--out', run, '--backend', 'cpu'];
    const first = startBct(args, work);
    await until('the first steps', async () =>
      (await loggedSteps(run)).length >= 3 ? true : undefined,
    );
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output).toBe(143);
    expect(first.output).toMatch(/train: SIGTERM; finishing this step and writing a checkpoint/);
    expect(first.output).toMatch(/train: stopped at step (\d+); continue with --resume/);
    const stoppedAt = Number(/stopped at step (\d+)/.exec(first.output)![1]);
    expect(stoppedAt).toBeLessThan(STEPS);
    expect(await readdir(join(run, 'checkpoint'))).toContain('model.json');

    const second = startBct([...args, '--resume'], work);
    expect(await second.exited, second.output).toBe(0);
    expect(second.output).toMatch(new RegExp(`trained ${STEPS} steps, last loss \\d+\\.\\d{4}`));
    expect(await loggedSteps(run)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));

    // A finished run resumed again: nothing to do, and its last loss (not NaN).
    const third = startBct([...args, '--resume'], work);
    expect(await third.exited, third.output).toBe(0);
    expect(third.output).toMatch(
      /had already finished \(240 steps, last loss \d+\.\d{4}\); nothing to do/,
    );
    expect(third.output).not.toMatch(/NaN/);
    // And without --resume it is refused, not overwritten.
    const fourth = startBct(args, work);
    expect(await fourth.exited).toBe(1);
    expect(fourth.output).toMatch(
      /checkpoint already exists \(--out\); pass --force to replace it, or continue the run with --resume/,
    );
    expect(await loggedSteps(run)).toHaveLength(STEPS);
  });

  it("after kill -9, --resume logs each step once and removes the killed write's temporary files", async () => {
    const run = join(work, 'kill');
    const args = ['train', '--config', join(work, 'config.json'), '--out', run, '--backend', 'cpu'];
    const first = startBct(args, work);
    // Past the first checkpoint (step 20), with steps logged after it.
    await until('steps past the first checkpoint', async () =>
      (await loggedSteps(run)).length >= 27 ? true : undefined,
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const logged = await loggedSteps(run);
    expect(logged.length).toBeGreaterThan(20);
    // What a write killed half-way leaves: a temporary file of a process that is gone.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const leftover = `.weights.bin.partial-${dead}-0badc0de`;
    await writeFile(join(run, 'checkpoint', leftover), 'half a checkpoint');

    const second = startBct([...args, '--resume'], work);
    expect(await second.exited, second.output).toBe(0);
    expect(await loggedSteps(run)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(await readdir(join(run, 'checkpoint'))).not.toContain(leftover);
  });
});
