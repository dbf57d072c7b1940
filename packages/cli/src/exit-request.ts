/** Ends a command with this exit code after it has said why (e.g. 130 after Ctrl-C). */
export class ExitRequest extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'ExitRequest';
  }
}
