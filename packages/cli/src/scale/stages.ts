import { CommanderError } from 'commander';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';

/** A `bct` command that runs as shard i of N (`--shard i/N`) and whose shards `bct merge` joins. */
export interface ShardedStage {
  /** Short name, as recorded in each shard's `.shard.json`. */
  readonly name: 'extract' | 'ijbc-embed' | 'denoise';
  /** The command words that start its `bct` command line. */
  readonly command: readonly string[];
  readonly summary: string;
}

/** The stages `bct queue` can spread over workers, and a Kubernetes Indexed Job can run. */
export const SHARDED_STAGES: readonly ShardedStage[] = [
  {
    name: 'extract',
    command: ['extract'],
    summary: 'features of a model over a training set (old features for MixBCT, LCE, ...)',
  },
  {
    name: 'ijbc-embed',
    command: ['eval', 'ijbc-embed'],
    summary: "IJB-C image features of one model, for bct eval ijbc's --features",
  },
  {
    name: 'denoise',
    command: ['denoise'],
    summary: "MixBCT's credible-feature flags, decided class by class",
  },
];

/** The stage a `bct` command line runs, or a clear error naming the stages that shard. */
export function stageOf(argv: readonly string[]): ShardedStage {
  const stage = SHARDED_STAGES.find((candidate) =>
    candidate.command.every((word, index) => argv[index] === word),
  );
  if (stage === undefined)
    throw new UsageError(
      'stage',
      `'${argv.slice(0, 2).join(' ')}' does not run in shards; give one of: ${SHARDED_STAGES.map((s) => s.command.join(' ')).join(', ')}`,
    );
  return stage;
}

/** Where shard `shard` of `of` of a stage writing `out` goes: `<out>.shard-0003-of-0016.npy`. */
export function shardOutPath(out: string, shard: number, of: number): string {
  const width = Math.max(4, String(of).length);
  const pad = (value: number) => String(value).padStart(width, '0');
  return `${out.replace(/\.npy$/, '')}.shard-${pad(shard)}-of-${pad(of)}.npy`;
}

/** The value of `--name value` or `--name=value` in a command line, if given. */
export function optionValue(argv: readonly string[], name: string): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index]!;
    if (word === '--') return undefined;
    if (word === name) return argv[index + 1];
    if (word.startsWith(`${name}=`)) return word.slice(name.length + 1);
  }
  return undefined;
}

/** The command line with `--name`'s value replaced (both spellings). */
export function withOptionValue(argv: readonly string[], name: string, value: string): string[] {
  const result = [...argv];
  for (let index = 0; index < result.length; index++) {
    if (result[index] === name) result[index + 1] = value;
    else if (result[index]!.startsWith(`${name}=`)) result[index] = `${name}=${value}`;
  }
  return result;
}

class ArgumentsChecked extends Error {}

/**
 * Checks a stage's command line the way `bct` itself would parse it (known options, required
 * options present, option values valid) without running it, and returns the stage and its
 * `--out`.
 * @param createProgram builds the `bct` command tree (passed in to avoid an import cycle).
 * @throws {@link @bctkit/tensor-ops!InvalidConfigError} with bct's own message when it would refuse it.
 */
export async function checkStageArguments(
  argv: readonly string[],
  createProgram: (io: CliIo) => {
    hook(event: 'preAction', listener: () => void): unknown;
    parseAsync(argv: readonly string[], options: { from: 'user' }): Promise<unknown>;
  },
): Promise<{ stage: ShardedStage; out: string }> {
  const stage = stageOf(argv);
  if (optionValue(argv, '--shard') !== undefined)
    throw new UsageError(
      '--shard',
      'bct queue gives each job its own --shard; leave it out of the stage',
    );
  let printed = '';
  const capture = (text: string) => {
    printed += text;
  };
  const program = createProgram({ stdout: capture, stderr: capture });
  program.hook('preAction', () => {
    throw new ArgumentsChecked();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof ArgumentsChecked)) {
      if (error instanceof CommanderError)
        throw new UsageError(
          'stage',
          `${stage.command.join(' ')}: ${printed.split('\n')[0]?.replace(/^error: /, '') || error.message}`,
        );
      throw error;
    }
  }
  const out = optionValue(argv, '--out');
  if (out === undefined) throw new UsageError('--out', `${stage.command.join(' ')} needs --out`);
  return { stage, out };
}
