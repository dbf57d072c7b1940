import { openSource } from '@bctkit/datasets';
import { writeFileAtomic } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import { claimOutputs } from '../outputs.js';
import { starterConfig, summariseData } from '../pipelines/starter-config.js';
import { dataArgument } from './data-argument.js';

/** Registers `bct init`. */
export function registerInitCommand(program: Command, io: CliIo): void {
  program
    .command('init')
    .description(
      'write a commented starter training config for your images (a folder with one sub-folder per class, or a .rec)',
    )
    .requiredOption(
      '--data <source>',
      'the training images: a folder of class folders, a .rec, or a source config',
    )
    .option('--out <file>', 'the config to write (YAML)', 'bct.yaml')
    .option('--force', 'replace an existing config')
    .addHelpText(
      'after',
      '\nExample:\n  bct init --data my-images --out old.yaml\n  bct train --config old.yaml --out runs/old\n',
    )
    .action(async (options: { data: string; out: string; force?: boolean }) => {
      if (!/\.ya?ml$/i.test(options.out))
        throw new UsageError(
          '--out',
          `the starter config is YAML with comments: name it *.yaml, not ${options.out}`,
        );
      const data = await dataArgument('--data', options.data);
      const source = await openSource(data, '--data');
      let text: string;
      try {
        text = starterConfig(data, await summariseData(source));
      } finally {
        await source.close();
      }
      await claimOutputs([options.out], { force: options.force ?? false });
      await writeFileAtomic(options.out, text);
      io.stdout(
        `wrote ${options.out}; train with: bct train --config ${options.out} --out runs/old\n`,
      );
    });
}
