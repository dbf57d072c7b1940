/** Options of {@link buildAddon}. */
export interface BuildAddonOptions {
  /** The add-on package's directory (with its binding.gyp). */
  readonly packageRoot: string;
  /** Package name, for the messages, e.g. `@bctkit/jpeg-turbo`. */
  readonly name: string;
  /** Said when the build worked, e.g. `native decoder built`. */
  readonly built: string;
  /** Said after the reason when it did not, e.g. `bctkit decodes JPEG in JavaScript`. */
  readonly fallback: string;
  /**
   * The add-on's own failure causes, tried before the shared ones (Node's headers, no C
   * toolchain): an output pattern and the reason to record, naming the package to install.
   */
  readonly causes?: readonly (readonly [RegExp, string])[];
}

/** What a build left in `build/status.json`. */
export type BuildStatus =
  | { readonly built: true }
  | { readonly built: false; readonly reason: string };

/**
 * Builds the add-on with node-gyp (against the running Node's headers when they are beside it),
 * writes `build/status.json` and says what happened. Never throws: an add-on is optional.
 */
export function buildAddon(options: BuildAddonOptions): BuildStatus;

/** A one-line reason for a failed build from node-gyp's output: `causes` first, then the shared ones. */
export function explainBuildFailure(
  output: string,
  causes?: readonly (readonly [RegExp, string])[],
): string;

/** Options of {@link loadAddon}. */
export interface LoadAddonOptions {
  readonly packageRoot: string;
  /** File name of the binary under `build/Release`, e.g. `bctkit_jpeg.node`. */
  readonly binary: string;
  /** Run just before the binary loads (e.g. environment its libraries read at load time). */
  readonly beforeLoad?: () => void;
}

/**
 * Loads a built add-on; when there is none, or it does not load, the reason (the one the build
 * recorded when it failed).
 */
export function loadAddon<Binding = unknown>(
  options: LoadAddonOptions,
):
  | { readonly binding: Binding; readonly reason: undefined }
  | { readonly binding: undefined; readonly reason: string };
