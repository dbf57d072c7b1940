import { type JpegDecoderInfo, jpegDecoder } from '@bctkit/datasets';
import {
  type BackendInfo,
  type CpuKernelStatus,
  cpuKernelStatus,
  createModuleLoader,
  describeRuntime,
  type RuntimeReport,
  VERSION as TENSOR_OPS_VERSION,
  useBackend,
} from '@bctkit/tensor-ops';
import type { Command } from 'commander';
import { BACKEND_OPTION_HELP } from '../backend.js';
import type { CliIo } from '../io.js';
import { VERSION } from '../version.js';

/** Everything `bct env` reports. */
export interface EnvironmentReport {
  readonly bctkit: { readonly cli: string; readonly tensorOps: string };
  readonly backend: BackendInfo;
  /** The JPEG decoder the data loader uses: native libjpeg-turbo, or jpeg-js and why. */
  readonly jpegDecoder: JpegDecoderInfo;
  /**
   * On the `cpu` backend: the kernels running natively (the `@bctkit/tensor-ops-native` add-on,
   * OpenBLAS), those replaced by bctkit's JavaScript, and why none is native when none is.
   */
  readonly cpuKernels: CpuKernelStatus;
  readonly runtime: RuntimeReport;
}

/** Activates the preferred backend (default `auto`) and describes the environment. */
export async function collectEnvironment(preference = 'auto'): Promise<EnvironmentReport> {
  // Resolve optional packages from the CLI's own location: it depends on the pure-JS backends.
  const loader = createModuleLoader(import.meta.url);
  const backend = await useBackend(preference, { loader, purpose: 'inference' });
  return {
    bctkit: { cli: VERSION, tensorOps: TENSOR_OPS_VERSION },
    backend,
    jpegDecoder: jpegDecoder(),
    cpuKernels: cpuKernelStatus(),
    runtime: describeRuntime({ loader }),
  };
}

/** The human-readable `bct env` table. */
export function formatEnvironment(report: EnvironmentReport): string {
  const { runtime, backend } = report;
  const gib = (runtime.totalMemoryBytes / 2 ** 30).toFixed(1);
  const rows: [string, string][] = [
    ['bctkit', `cli ${report.bctkit.cli}, tensor-ops ${report.bctkit.tensorOps}`],
    ['node', `${runtime.node} (${runtime.platform} ${runtime.arch})`],
    [
      'cpus',
      `${runtime.cpuCount}${runtime.cpuModel === undefined ? '' : ` x ${runtime.cpuModel}`}`,
    ],
    ['memory', `${gib} GiB`],
    ['tfjs-core', runtime.tfjsCoreVersion],
    [
      'backend',
      `${backend.backend} (${backend.packageName} ${backend.version ?? 'version unknown'})`,
    ],
  ];
  for (const attempt of backend.attempts.filter((a) => !a.ok)) {
    rows.push(['  skipped', `${attempt.backend}: ${attempt.reason}`]);
  }
  const decoder = report.jpegDecoder;
  rows.push([
    'jpeg',
    decoder.native
      ? 'libjpeg-turbo (native)'
      : `jpeg-js (native decoder unavailable: ${decoder.reason})`,
  ]);
  const kernels = report.cpuKernels;
  rows.push([
    'cpu kernels',
    kernels.native.length > 0
      ? `native (${kernels.library ?? 'OpenBLAS'}): ${kernels.native.join(', ')}`
      : `JavaScript (native add-on unavailable: ${kernels.nativeUnavailable})`,
  ]);
  if (kernels.native.length === 0 && kernels.enableNative !== undefined)
    rows.push(['  enable', kernels.enableNative]);
  for (const pkg of runtime.packages) {
    rows.push(['package', `${pkg.name} ${pkg.installed ? pkg.version : '(not installed)'}`]);
  }
  const width = Math.max(...rows.map(([key]) => key.length));
  return `${rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n')}\n`;
}

/** Registers `bct env`. */
export function registerEnvCommand(program: Command, io: CliIo): void {
  program
    .command('env')
    .description(
      'show the chosen tfjs backend, Node, CPUs and which optional packages are installed',
    )
    .option('--backend <name>', BACKEND_OPTION_HELP, 'auto')
    .option('--json', 'print one JSON object instead of a table')
    .action(async (options: { backend: string; json?: boolean }) => {
      const report = await collectEnvironment(options.backend);
      io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatEnvironment(report));
    });
}
