import { ExitCode, StateError } from '../errors.js';

/** An operation was refused: the file is left as it was (exit 1). */
export class RefusedError extends StateError {
  constructor(code: string, message: string, file?: string) {
    super(code, message, { exitCode: ExitCode.invalid, file });
  }
}
