import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
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
import { InvalidConfigError, temporaryPathFor } from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
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
async function openPackInput(input: string, labels: string | undefined): Promise<DatasetSource> {
  const info = await stat(input).catch(() => undefined);
  if (info === undefined) throw new InvalidConfigError('input', `${input} does not exist`);
  if (info.isDirectory()) return openSource({ type: 'image-folder', root: input });
  const labelPath = labels ?? input.replace('images-idx3', 'labels-idx1');
  if (labelPath === input) {
    throw new InvalidConfigError(
      'labels',
      `cannot guess the label file of ${input}; pass --labels <idx file>`,
    );
  }
  return openSource({ type: 'idx', images: input, labels: labelPath });
}

/** Splits `out/train` into `out` and `train`, creating the directory. */
async function outputPrefix(prefix: string): Promise<{ directory: string; name: string }> {
  const directory = dirname(prefix);
  await mkdir(directory, { recursive: true });
  return { directory, name: basename(prefix).replace(/\.rec$/, '') };
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
    .action(async (input: string, options: { out: string; labels?: string }) => {
      const source = await openPackInput(input, options.labels);
      const { directory, name } = await outputPrefix(options.out);
      const progress = createProgress(io, 'pack', 'images');
      const result = await packSource(source, directory, name, {
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      await source.close();
      io.stdout(
        `packed ${result.images} images of ${result.classes} classes into ${join(directory, `${name}.rec`)}` +
          `${result.identityRecords ? '' : ' (labels not grouped by class: no identity records)'}\n`,
      );
    });

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
    .option('--ratio <ratio>', 'share of the first part', '0.3')
    .requiredOption(
      '--out <dir>',
      'output directory; parts go to <dir>/<kind><percent>/train.rec, e.g. class30 and class70',
    )
    .option('--json', 'print the counts as JSON')
    .action(
      async (
        recordPath: string,
        options: { kind: string; ratio: string; out: string; json?: boolean },
      ) => {
        if (options.kind !== 'class' && options.kind !== 'data') {
          throw new InvalidConfigError(
            '--kind',
            `expected class or data, got ${JSON.stringify(options.kind)}`,
          );
        }
        const ratio = Number(options.ratio);
        if (!(ratio > 0 && ratio < 1))
          throw new InvalidConfigError(
            '--ratio',
            `expected a number in (0, 1), got ${options.ratio}`,
          );
        const set = await RecordSet.open(recordPath);
        try {
          const labels = await set.labels();
          const plan =
            options.kind === 'class'
              ? planClassSplit(labels, ratio, set.numClasses)
              : planDataSplit(labels, ratio, set.numClasses);
          const firstPercent = Math.round(ratio * 100);
          const [firstName, restName] =
            firstPercent === 100 - firstPercent
              ? [`${options.kind}${firstPercent}-first`, `${options.kind}${firstPercent}-rest`]
              : [`${options.kind}${firstPercent}`, `${options.kind}${100 - firstPercent}`];
          const parts = [
            { name: firstName, part: plan.first },
            { name: restName, part: plan.rest },
          ];
          const counts: Record<string, { images: number; classes: number; directory: string }> = {};
          for (const { name, part } of parts) {
            const directory = join(options.out, name);
            await mkdir(directory, { recursive: true });
            const progress = createProgress(io, `split: ${name}`, 'images');
            await writeRecordSubset(set, part, directory, 'train', {
              onProgress: (done, total) => progress.update(done, total),
            });
            progress.finish();
            counts[name] = { images: part.indices.length, classes: part.numClasses, directory };
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
          await set.close();
        }
      },
    );

  data
    .command('export')
    .description('write the images of a .rec as files, <out>/<label>/<key>.<ext>')
    .argument('<rec>', 'the .rec file')
    .requiredOption('--out <folder>', 'output folder (must not exist yet)')
    .option('--limit <n>', 'export only the first n images')
    .action(async (recordPath: string, options: { out: string; limit?: string }) => {
      if ((await readdir(options.out).catch(() => undefined)) !== undefined) {
        throw new InvalidConfigError('--out', `${options.out} already exists; choose a new folder`);
      }
      const set = await RecordSet.open(recordPath);
      // Export into a temporary folder and rename it at the end: a failed export leaves nothing.
      const temporary = temporaryPathFor(options.out);
      try {
        const limit =
          options.limit === undefined ? set.size : Math.min(set.size, Number(options.limit));
        if (!Number.isInteger(limit) || limit < 0)
          throw new InvalidConfigError('--limit', `expected a whole number, got ${options.limit}`);
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
        await mkdir(dirname(options.out), { recursive: true });
        await rename(temporary, options.out);
        progress.finish();
        io.stdout(`exported ${limit} images of ${made.size} classes to ${options.out}\n`);
      } catch (error) {
        await rm(temporary, { recursive: true, force: true });
        throw error;
      } finally {
        await set.close();
      }
    });
}
