/** Severity of a validation problem: errors make a file invalid, warnings only with `--strict`. */
export type Severity = 'error' | 'warning';

/** One problem found in a state file. */
export interface Problem {
  severity: Severity;
  /** Stable code, e.g. `schema-type`, `phase-not-applicable`. */
  code: string;
  /** What is wrong, quoting the bad value, and what is allowed. */
  message: string;
  /** JSON pointer of the value, e.g. `/phases/install_k0s/status`. */
  pointer: string;
  /** 1-based line and column where the value starts in the YAML source. */
  line: number;
  col: number;
  /** 1-based line and column where it ends. */
  endLine: number;
  endCol: number;
}

/** A problem before it is placed in the source: the position is filled in from the pointer. */
export interface UnplacedProblem {
  severity: Severity;
  code: string;
  message: string;
  pointer: string;
  /** Place the problem on the key of the last segment rather than on its value. */
  atKey?: boolean;
}

/** Orders problems by position, then severity, then code. */
export function compareProblems(a: Problem, b: Problem): number {
  return (
    a.line - b.line || a.col - b.col || a.severity.localeCompare(b.severity) || a.code.localeCompare(b.code)
  );
}
