import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type DatasetSource,
  extensionFor,
  type ImageInfo,
  openSource,
  packSource,
  planClassSplit,
  planDataSplit,
  RecordSet,
  type RecordSetSummary,
  readImageInfo,
  writeRecordSubset,
} from '@bctkit/datasets';
import { InvalidConfigError, removeStalePartials, temporaryPathFor } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { UsageError } from '../errors/usage-error.js';
import type { CliIo } from '../io.js';
import {
  channelCount,
  imageSize,
  openUnitInterval,
  positiveInteger,
  wholeNumber,
} from '../option-parsers.js';
import { claimOutputs, moveFilesInto, writeDirectoryAtomic } from '../outputs.js';
import { createProgress } from '../progress.js';

/** What `bct data inspect` reports. */
export interface InspectReport extends Omit<RecordSetSummary, 'property'> {
  readonly property: { numClasses: number; height: number; width: number } | null;
  /** Smallest and largest image label. */
  readonly labelRange: readonly [number, number];
  /** Classes that have at least one image. */
  readonly classesWithImages: number;
  /** Format and size of the first image. */
  readonly firstImage: ImageInfo;
}

/** Inspects a record set: layout, counts, header ranges, label range, image size. */
export async function inspectRecordSet(recordPath: string, io?: CliIo): Promise<InspectReport> {
  const set = await RecordSet.open(recordPath);
  try {
    const progress =
      io === undefined ? undefined : createProgress(io, 'inspect: reading labels', 'images');
    const labels = await set.labels({ onProgress: (done, total) => progress?.update(done, total) });
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    const present = new Set<number>();
    for (const label of labels) {
      min = Math.min(min, label);
      max = Math.max(max, label);
      present.add(label);
    }
    const { property, ...summary } = set.summary();
    return {
      ...summary,
      numClasses: summary.numClasses ?? max + 1,
      property:
        property === undefined
          ? null
          : { numClasses: property.numClasses, height: property.height, width: property.width },
      labelRange: [min, max],
      classesWithImages: present.size,
      firstImage: readImageInfo((await set.read(0)).image),
    };
  } finally {
    await set.close();
  }
}

function formatInspect(report: InspectReport): string {
  const rows: [string, string][] = [
    ['file', `${report.recordPath} (${(report.bytes / 2 ** 20).toFixed(1)} MiB)`],
    ['layout', report.layout],
    ['records', report.records.toLocaleString('en-US')],
    ['images', report.images.toLocaleString('en-US')],
    [
      'classes',
      `${report.numClasses?.toLocaleString('en-US')} (${report.classesWithImages.toLocaleString('en-US')} with images)`,
    ],
    ['labels', `${report.labelRange[0]} .. ${report.labelRange[1]}`],
    [
      'image keys',
      report.imageKeyRange === undefined ? 'all keys' : `[${report.imageKeyRange.join(', ')})`,
    ],
    [
      'identity keys',
      report.identityKeyRange === undefined ? 'none' : `[${report.identityKeyRange.join(', ')})`,
    ],
    [
      'first image',
      `${report.firstImage.format} ${report.firstImage.width}x${report.firstImage.height}`,
    ],
    [
      'property',
      report.property === null
        ? 'none'
        : `${report.property.numClasses},${report.property.height},${report.property.width}`,
    ],
  ];
  if (report.indexRebuilt) rows.push(['index', 'missing: rebuilt by scanning (not saved)']);
  const width = Math.max(...rows.map(([key]) => key.length));
  return `${rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n')}\n`;
}

/** Opens what `bct data pack` is given: a folder (one sub-folder per identity), or an IDX image file. */
async function openPackInput(
  input: string,
  options: { labels?: string; identities?: string; minImages?: number; skipMissing?: boolean },
): Promise<DatasetSource> {
  const info = await stat(input).catch(() => undefined);
  if (info === undefined)
    throw new InvalidConfigError('<input>', `${input}: no such file or directory`);
  if (info.isDirectory()) {
    return openSource({
      type: 'image-folder',
      root: input,
      ...(options.identities === undefined ? {} : { identities: options.identities }),
      ...(options.minImages === undefined ? {} : { minImages: options.minImages }),
      ...(options.skipMissing ? { skipMissing: true } : {}),
    });
  }
  for (const [flag, value] of [
    ['--identities', options.identities],
    ['--min-images', options.minImages],
    ['--skip-missing', options.skipMissing],
  ] as const) {
    if (value !== undefined)
      throw new UsageError(flag, 'selects identities of an image folder, not of IDX files');
  }
  const { labels } = options;
  const labelPath = labels ?? input.replace('images-idx3', 'labels-idx1');
  if (labelPath === input) {
    throw new InvalidConfigError(
      'labels',
      `cannot guess the label file of ${input}; pass --labels <idx file>`,
    );
  }
  return openSource({ type: 'idx', images: input, labels: labelPath });
}

/** Splits `out/train` into `out` and `train`. */
function outputPrefix(prefix: string): { directory: string; name: string } {
  return { directory: dirname(prefix), name: basename(prefix).replace(/\.rec$/, '') };
}

/** Registers `bct data inspect | pack | split | export`. */
export function registerDataCommands(program: Command, io: CliIo): void {
  const data = program
    .command('data')
    .description('inspect, pack, split and export RecordIO datasets');

  data
    .command('inspect')
    .description('records, images, classes, header ranges, label range and image size of a .rec')
    .argument('<rec>', 'the .rec file (its .idx and property are read from beside it)')
    .option('--json', 'print one JSON object')
    .action(async (recordPath: string, options: { json?: boolean }) => {
      const report = await inspectRecordSet(recordPath, io);
      io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatInspect(report));
    });

  data
    .command('pack')
    .description(
      'write a folder of identities, or IDX files, as an insightface .rec/.idx/property set',
    )
    .argument(
      '<input>',
      'a folder with one sub-folder per identity, or an IDX image file (e.g. train-images-idx3-ubyte.gz)',
    )
    .requiredOption(
      '--out <prefix>',
      'output prefix, e.g. out/train for out/train.rec, out/train.idx, out/property',
    )
    .option('--labels <idx>', 'IDX label file (default: the image file name with labels-idx1)')
    .option(
      '--size <HxW>',
      'resize every image to this size (antialiased bilinear), e.g. 112x112 or 56; stored as PNG',
      imageSize(),
    )
    .option(
      '--channels <n>',
      '1 (grey) or 3 (RGB): convert every image; stored as PNG',
      channelCount(),
    )
    .option(
      '--identities <file>',
      "only the identities listed (one folder name per line; LFW's people*.txt as they are)",
    )
    .option('--min-images <n>', 'only identities with at least n images', positiveInteger())
    .option('--skip-missing', 'with --identities: skip listed identities that have no folder')
    .option('--force', 'replace existing outputs')
    .action(
      async (
        input: string,
        options: {
          out: string;
          labels?: string;
          size?: [number, number];
          channels?: 1 | 3;
          identities?: string;
          minImages?: number;
          skipMissing?: boolean;
          force?: boolean;
        },
      ) => {
        const { directory, name } = outputPrefix(options.out);
        await claimOutputs(
          [`${name}.rec`, `${name}.idx`, 'property'].map((file) => join(directory, file)),
          { force: options.force ?? false },
        );
        // A staging folder that a killed pack left behind.
        await removeStalePartials(directory, name);
        const source = await openPackInput(input, options);
        // Pack into a temporary folder beside the outputs, then move the files into place.
        const staging = temporaryPathFor(join(directory, name));
        let result: Awaited<ReturnType<typeof packSource>>;
        try {
          await mkdir(staging);
          const progress = createProgress(io, 'pack', 'images');
          result = await packSource(source, staging, name, {
            onProgress: (done, total) => progress.update(done, total),
            ...(options.size === undefined ? {} : { size: options.size }),
            ...(options.channels === undefined ? {} : { channels: options.channels }),
          });
          progress.finish();
          await moveFilesInto(staging, directory);
        } catch (error) {
          await rm(staging, { recursive: true, force: true });
          throw error;
        } finally {
          await source.close();
        }
        const conversion =
          result.converted > 0
            ? `; ${result.converted} images decoded and stored as PNG` +
              (options.size === undefined ? '' : ` (resized to ${result.height}x${result.width})`) +
              (options.channels === undefined
                ? ''
                : ` (${options.channels === 1 ? 'grey' : 'RGB'})`)
            : '';
        io.stdout(
          `packed ${result.images} images of ${result.classes} classes, ${result.height}x${result.width}, ` +
            `into ${join(directory, `${name}.rec`)}${conversion}` +
            `${result.identityRecords ? '' : ' (labels not grouped by class: no identity records)'}\n`,
        );
      },
    );

  data
    .command('split')
    .description(
      "MixBCT's class or data split of a .rec into old (first share) and new (rest) sets",
    )
    .argument('<rec>', 'the .rec file to split')
    .requiredOption(
      '--kind <kind>',
      "class (first share of identities / the rest, relabelled) or data (first share of each identity's images / the rest)",
    )
    .option('--ratio <ratio>', 'share of the first part, in (0, 1)', openUnitInterval(), 0.3)
    .requiredOption(
      '--out <dir>',
      'output directory; parts go to <dir>/<kind><percent>/train.rec, e.g. class30 and class70',
    )
    .option('--json', 'print the counts as JSON')
    .option('--force', 'replace existing outputs')
    .action(
      async (
        recordPath: string,
        options: { kind: string; ratio: number; out: string; json?: boolean; force?: boolean },
      ) => {
        if (options.kind !== 'class' && options.kind !== 'data') {
          throw new UsageError(
            '--kind',
            `expected class or data, got ${JSON.stringify(options.kind)}`,
          );
        }
        const { ratio } = options;
        const firstPercent = Math.round(ratio * 100);
        const [firstName, restName] =
          firstPercent === 100 - firstPercent
            ? [`${options.kind}${firstPercent}-first`, `${options.kind}${firstPercent}-rest`]
            : [`${options.kind}${firstPercent}`, `${options.kind}${100 - firstPercent}`];
        await claimOutputs([join(options.out, firstName), join(options.out, restName)], {
          force: options.force ?? false,
        });
        const set = await RecordSet.open(recordPath);
        // Both parts are written into one temporary folder and moved into place only when both
        // are complete: a failure (a full disk) leaves no half of a split behind.
        const staging = temporaryPathFor(join(options.out, firstName));
        try {
          const labels = await set.labels();
          const plan =
            options.kind === 'class'
              ? planClassSplit(labels, ratio, set.numClasses)
              : planDataSplit(labels, ratio, set.numClasses);
          const parts = [
            { name: firstName, part: plan.first },
            { name: restName, part: plan.rest },
          ];
          const counts: Record<string, { images: number; classes: number; directory: string }> = {};
          for (const { name, part } of parts) {
            const directory = join(staging, name);
            await mkdir(directory, { recursive: true });
            const progress = createProgress(io, `split: ${name}`, 'images');
            await writeRecordSubset(set, part, directory, 'train', {
              onProgress: (done, total) => progress.update(done, total),
            });
            progress.finish();
            counts[name] = {
              images: part.indices.length,
              classes: part.numClasses,
              directory: join(options.out, name),
            };
          }
          for (const { name } of parts) {
            await rm(join(options.out, name), { recursive: true, force: true });
            await rename(join(staging, name), join(options.out, name));
          }
          io.stdout(
            options.json
              ? `${JSON.stringify({ kind: options.kind, ratio, parts: counts }, null, 2)}\n`
              : Object.entries(counts)
                  .map(
                    ([name, count]) =>
                      `${name}: ${count.images} images, ${count.classes} classes -> ${count.directory}/train.rec\n`,
                  )
                  .join(''),
          );
        } finally {
          await rm(staging, { recursive: true, force: true });
          await set.close();
        }
      },
    );

  data
    .command('export')
    .description('write the images of a .rec as files, <out>/<label>/<key>.<ext>')
    .argument('<rec>', 'the .rec file')
    .requiredOption('--out <folder>', 'output folder')
    .option('--limit <n>', 'export only the first n images', wholeNumber())
    .option('--force', 'replace an existing output folder')
    .action(
      async (recordPath: string, options: { out: string; limit?: number; force?: boolean }) => {
        await claimOutputs([options.out], { force: options.force ?? false });
        const set = await RecordSet.open(recordPath);
        try {
          const limit = Math.min(set.size, options.limit ?? set.size);
          // Export into a temporary folder renamed at the end: a failed export leaves nothing.
          const classes = await writeDirectoryAtomic(options.out, async (temporary) => {
            const progress = createProgress(io, 'export', 'images');
            const made = new Set<number>();
            for (let index = 0; index < limit; index++) {
              const sample = await set.read(index);
              if (!made.has(sample.label)) {
                await mkdir(join(temporary, String(sample.label)), { recursive: true });
                made.add(sample.label);
              }
              const extension = extensionFor(readImageInfo(sample.image).format);
              await writeFile(
                join(temporary, String(sample.label), `${sample.key}${extension}`),
                sample.image,
              );
              progress.update(index + 1, limit);
            }
            progress.finish();
            return made.size;
          });
          io.stdout(`exported ${limit} images of ${classes} classes to ${options.out}\n`);
        } finally {
          await set.close();
        }
      },
    );
}
