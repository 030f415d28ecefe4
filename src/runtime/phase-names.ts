import { ExitCode, StateError } from '../errors.js';
import { isPhaseName, PHASE_STATUSES, PHASES, type PhaseName, type PhaseStatus } from '../phases.js';
import { didYouMean } from '../suggest.js';

/** A phase name or status on the command line is not one this tool knows (exit 2). */
export class UnknownNameError extends StateError {
  constructor(message: string) {
    super('unknown-name', message, { exitCode: ExitCode.usage });
  }
}

/** Checks a phase name, with the list of phases in the error. */
export function requirePhase(name: string): PhaseName {
  if (!isPhaseName(name)) {
    const near = didYouMean(name, PHASES);
    const hint = near ? `did you mean ${near}? ` : '';
    throw new UnknownNameError(`unknown phase "${name}"; ${hint}phases are: ${PHASES.join(', ')}`);
  }
  return name;
}

/** Checks a phase status. */
export function requireStatus(status: string): PhaseStatus {
  if (!(PHASE_STATUSES as readonly string[]).includes(status)) {
    throw new UnknownNameError(`unknown phase status "${status}"; use one of: ${PHASE_STATUSES.join(', ')}`);
  }
  return status as PhaseStatus;
}
