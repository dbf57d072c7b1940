import { BctkitError, findSystemError } from '@bctkit/tensor-ops';

/** What `bct` says about a failed command, and the exit code it ends with. */
export interface FailureReport {
  /** 1 bad input or data, 2 usage, 70 a bug in bctkit. */
  readonly exitCode: 1 | 2 | 70;
  /** The text for stderr, ending with a newline: one line, except for a bug (with its stack). */
  readonly text: string;
}

/**
 * A message on one line: a list under a heading (several config problems) becomes
 * `heading p1; p2`, so nothing is lost and the user still reads one line.
 */
function oneLine(text: string): string {
  const [head = '', ...rest] = text
    .split('\n')
    .map((line) => line.trim().replace(/^- /, ''))
    .filter((line) => line !== '');
  return rest.length === 0 ? head : `${head} ${rest.join('; ')}`;
}

/**
 * Classifies an error that ended a `bct` command, following the error contract: a bctkit error or
 * a file-system error (ENOENT, EISDIR, EACCES, ENOSPC, EROFS, ...) is bad input and exits 1 with
 * one line naming the path; a usage error exits 2; anything else is a bug in bctkit and exits 70
 * with its stack and a request to report it.
 */
export function describeFailure(error: unknown): FailureReport {
  if (BctkitError.isInstance(error)) {
    // A file-system reason the message does not give already is added in words.
    const system =
      error.code === 'USAGE' || error.code === 'FILE_SYSTEM'
        ? undefined
        : findSystemError(error.cause);
    const suffix =
      system !== undefined && !error.message.includes(system.reason) ? ` (${system.reason})` : '';
    return {
      exitCode: error.code === 'USAGE' ? 2 : 1,
      text: `bct: ${oneLine(error.message)}${suffix}\n`,
    };
  }
  const system = findSystemError(error);
  if (system !== undefined) {
    const where = system.path === undefined ? '' : `${system.path}: `;
    const target = system.dest === undefined ? '' : ` (to ${system.dest})`;
    return {
      exitCode: 1,
      text: `bct: ${where}${system.reason}${target}\n`,
    };
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    exitCode: 70,
    text:
      `bct: unexpected failure: this is a bug in bctkit. Please report it with the command you ran and this output.\n` +
      `${detail}\n`,
  };
}
