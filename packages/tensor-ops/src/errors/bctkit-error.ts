const MARKER = Symbol.for('bctkit.error');

/** Options accepted by every bctkit error constructor. */
export interface BctkitErrorOptions {
  /** The lower-level error that caused this one, kept for debugging. */
  cause?: unknown;
}

/**
 * Base class of every error bctkit throws on purpose.
 *
 * Each error carries a stable machine-readable `code` (part of the public API) and a message that
 * says what was wrong, where, and what to do next. A `Symbol.for` marker makes
 * {@link BctkitError.isInstance} work even when two copies of bctkit are installed side by side,
 * where `instanceof` would fail.
 */
export class BctkitError extends Error {
  /** Stable identifier of the error kind, e.g. `BACKEND_UNAVAILABLE`. */
  readonly code: string;
  /** Marker read by {@link BctkitError.isInstance}; survives duplicate installs. */
  readonly [MARKER] = true;

  constructor(code: string, message: string, options: BctkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }

  /** True when `value` is a bctkit error, from this copy of the library or another one. */
  static isInstance(value: unknown): value is BctkitError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[MARKER] === true &&
      typeof (value as { code?: unknown }).code === 'string'
    );
  }

  /** True when `value` is a bctkit error with the given code. */
  static hasCode(value: unknown, code: string): value is BctkitError {
    return BctkitError.isInstance(value) && value.code === code;
  }
}
