/** Operating-system error codes that mean the input or the environment is at fault, in words. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EFBIG: 'file too large for the file system or the file size limit (ulimit -f)',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EXDEV: 'cannot move across file systems',
  EIO: 'input/output error',
};

/** A Node.js file-system error that {@link findSystemError} recognises. */
export interface SystemError {
  /** `ENOENT`, `EISDIR`, `EACCES`, `ENOSPC`, `EROFS`, ... */
  readonly code: string;
  /** The file the failed call was about, when Node.js knows it. */
  readonly path?: string;
  /** The destination of a failed rename or copy. */
  readonly dest?: string;
  /** The failed operation, e.g. `open`. */
  readonly syscall?: string;
  /** The error in words, e.g. `no space left on the device`. */
  readonly reason: string;
}

/**
 * The file-system error (ENOENT, EISDIR, EACCES, ENOSPC, EROFS, ...) behind `error`, found on the
 * error itself or on its chain of causes, with its code in words; undefined for anything else.
 */
export function findSystemError(error: unknown): SystemError | undefined {
  let current = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(REASONS, code)) {
      const { path, dest, syscall } = current as {
        path?: unknown;
        dest?: unknown;
        syscall?: unknown;
      };
      return {
        code,
        reason: REASONS[code]!,
        ...(typeof path === 'string' ? { path } : {}),
        ...(typeof dest === 'string' ? { dest } : {}),
        ...(typeof syscall === 'string' ? { syscall } : {}),
      };
    }
    current = current.cause;
  }
  return undefined;
}

/**
 * Why `error` happened, in words: the file-system reason when there is one (e.g. "no such file or
 * directory"), else the error's message.
 */
export function failureReason(error: unknown): string {
  return findSystemError(error)?.reason ?? (error instanceof Error ? error.message : String(error));
}
