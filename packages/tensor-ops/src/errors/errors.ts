import { BctkitError, type BctkitErrorOptions } from './bctkit-error.js';
import { findSystemError } from './system-errors.js';

/** Options of {@link InvalidConfigError}. */
export interface InvalidConfigErrorOptions extends BctkitErrorOptions {
  /** Every problem found, each starting with its path; defaults to the one message. */
  problems?: readonly string[];
}

/** A configuration value is missing, mistyped or out of range. */
export class InvalidConfigError extends BctkitError {
  /** Dotted path of the offending key, e.g. `loss.ratio`; empty when several keys are at fault. */
  readonly path: string;
  /** Every problem found, each starting with its path. */
  readonly problems: readonly string[];

  constructor(path: string, message: string, options: InvalidConfigErrorOptions = {}) {
    const full = path === '' ? message : `${path}: ${message}`;
    super('INVALID_CONFIG', full, options);
    this.path = path;
    this.problems = options.problems ?? [full];
  }
}

/** Tensors or arrays have shapes that cannot be combined. */
export class ShapeMismatchError extends BctkitError {
  constructor(message: string, options?: BctkitErrorOptions) {
    super('SHAPE_MISMATCH', message, options);
  }
}

/** An index (row, class, record) lies outside the valid range. */
export class IndexOutOfRangeError extends BctkitError {
  constructor(message: string, options?: BctkitErrorOptions) {
    super('INDEX_OUT_OF_RANGE', message, options);
  }
}

/** A tfjs backend was requested but cannot be used here; the message gives the fix. */
export class BackendUnavailableError extends BctkitError {
  /** The backend that was asked for, e.g. `tensorflow-gpu`. */
  readonly backend: string;

  constructor(backend: string, message: string, options?: BctkitErrorOptions) {
    super('BACKEND_UNAVAILABLE', message, options);
    this.backend = backend;
  }
}

/** Options of {@link DatasetFormatError}. */
export interface DatasetFormatErrorOptions extends BctkitErrorOptions {
  /** The record (key or index) being read, when known. */
  record?: number | string;
}

/** A data file is truncated, corrupt or not in the expected format. */
export class DatasetFormatError extends BctkitError {
  /** The file being read. */
  readonly file: string;
  /** Byte offset where the problem was found, when known. */
  readonly offset: number | undefined;
  /** The record (key or index) being read, when known. */
  readonly record: number | string | undefined;

  constructor(
    file: string,
    offset: number | undefined,
    message: string,
    options: DatasetFormatErrorOptions = {},
  ) {
    const where = [
      options.record === undefined ? undefined : `record ${options.record}`,
      offset === undefined ? undefined : `byte ${offset}`,
    ].filter((part) => part !== undefined);
    super(
      'DATASET_FORMAT',
      `${file}${where.length > 0 ? ` (${where.join(', ')})` : ''}: ${message}`,
      options,
    );
    this.file = file;
    this.offset = offset;
    this.record = options.record;
  }
}

/** A registry lookup named a component that is not registered. */
export class UnknownComponentError extends BctkitError {
  /** Registry category, e.g. `loss`. */
  readonly category: string;
  /** The id that was asked for. */
  readonly id: string;
  /** Registered ids closest to the one asked for, best first. */
  readonly suggestions: readonly string[];

  constructor(
    category: string,
    id: string,
    suggestions: readonly string[],
    known: readonly string[],
  ) {
    const hint =
      suggestions.length > 0
        ? ` Did you mean ${suggestions.map((s) => `'${s}'`).join(' or ')}?`
        : known.length > 0
          ? ` Known: ${known.map((k) => `'${k}'`).join(', ')}.`
          : ` No ${category} is registered yet.`;
    super('UNKNOWN_COMPONENT', `Unknown ${category} '${id}'.${hint}`);
    this.category = category;
    this.id = id;
    this.suggestions = suggestions;
  }
}

/** Two components were registered under the same id or alias. */
export class DuplicateComponentError extends BctkitError {
  /**
   * @param origins - where the component being registered and the one holding the name come
   *   from (`built-in` or a plugin), when known, so that a clash between plugins names both.
   */
  constructor(
    category: string,
    name: string,
    existingId: string,
    origins?: { readonly existing: string; readonly added: string },
  ) {
    super(
      'DUPLICATE_COMPONENT',
      `Cannot register ${category} '${name}'${origins === undefined ? '' : ` from ${origins.added}`}: the name is already taken by '${existingId}'${origins === undefined ? '' : ` (${origins.existing})`}. ` +
        'Pick another id, or unregister the existing one first.',
    );
  }
}

/**
 * A file could not be read or written for a reason outside bctkit: missing, a directory, no
 * permission, a full or read-only disk. The message names the path and the reason in words.
 */
export class FileSystemError extends BctkitError {
  /** The file or directory at fault. */
  readonly path: string;

  /**
   * @param path the file or directory.
   * @param operation what was being done, e.g. `write` or `create the directory`.
   * @param reason the reason in words (see {@link findSystemError}).
   */
  constructor(path: string, operation: string, reason: string, options?: BctkitErrorOptions) {
    super('FILE_SYSTEM', `${path}: cannot ${operation}: ${reason}`, options);
    this.path = path;
  }

  /** Wraps a file-system error about `path`; any other error is returned unchanged. */
  static wrap(error: unknown, path: string, operation: string): unknown {
    if (BctkitError.isInstance(error)) return error;
    const system = findSystemError(error);
    return system === undefined
      ? error
      : new FileSystemError(path, operation, system.reason, { cause: error });
  }
}

/** An output exists already and replacing it was not asked for (`--force`). */
export class OutputExistsError extends BctkitError {
  /** The existing output. */
  readonly path: string;

  /**
   * @param path the existing output.
   * @param option the command-line option that named it, e.g. `--out`.
   * @param hint what else to do, e.g. `or continue it with --resume`.
   */
  constructor(path: string, option = '--out', hint?: string) {
    super(
      'OUTPUT_EXISTS',
      `${path} already exists (${option}); pass --force to replace it${hint === undefined ? '' : `, ${hint}`}, or choose another ${option}`,
    );
    this.path = path;
  }
}

/** Training stopped because the loss became NaN or infinite. */
export class TrainingDivergedError extends BctkitError {
  /** The step at which the loss stopped being finite. */
  readonly step: number;

  constructor(step: number, loss: number, hint: string) {
    super('TRAINING_DIVERGED', `the loss became ${loss} at step ${step}; ${hint}`);
    this.step = step;
  }
}
