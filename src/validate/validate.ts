import { detectVersion, type ParsedState } from '../parse/parse.js';
import { validateData } from './fast.js';
import { locate } from './positions.js';
import { compareProblems, type Problem, type UnplacedProblem } from './problem.js';

export { validateData, validateTextFast } from './fast.js';

/** Options of {@link validateParsed}. */
export interface ValidateOptions {
  /** Validate against this version's schema instead of the detected one. */
  version?: number;
  /** Report warnings as errors. */
  strict?: boolean;
}

/** The outcome of validating one file. */
export interface ValidationResult {
  /** The version the file was checked against. */
  version: number;
  /** Every problem found, in source order. */
  problems: Problem[];
  /** True when no problem is an error. */
  valid: boolean;
}

/**
 * Validates a parsed state file against its version's JSON Schema and the invariants of the
 * data contract, returning every problem with its line and column.
 */
export function validateParsed(parsed: ParsedState, options: ValidateOptions = {}): ValidationResult {
  const version = options.version ?? detectVersion(parsed);
  const unplaced = validateData(parsed.data, version);
  const problems = unplaced
    .map((problem) => place(parsed, problem, options.strict === true))
    .sort(compareProblems);
  return { version, problems, valid: problems.every((problem) => problem.severity !== 'error') };
}

/** Fills in a problem's source position; with `strict`, warnings become errors. */
export function place(parsed: ParsedState, problem: UnplacedProblem, strict = false): Problem {
  const range = locate(parsed.doc, parsed.lineCounter, problem.pointer, problem.atKey);
  return {
    severity: strict ? 'error' : problem.severity,
    code: problem.code,
    message: problem.message,
    pointer: problem.pointer,
    ...range,
  };
}
