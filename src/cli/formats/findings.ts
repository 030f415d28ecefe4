/**
 * The common shape the CI output formats (`github`, `sarif`, `junit`) render: what one command
 * found in each file it checked. `validate` and `migrate --check` both produce it.
 */

/** One problem in one file, with its message as it would follow `error:` on a text line. */
export interface Finding {
  severity: 'error' | 'warning';
  /** Stable code, e.g. `schema-enum`, `needs-migration`, `file-not-found`. */
  code: string;
  /** What is wrong and what to do, without the `FILE:LINE:COL: error:` prefix or the `[code]` suffix. */
  message: string;
  /** JSON pointer of the value, when the problem is about one. */
  pointer?: string;
  /** 1-based start, and end (exclusive column), when known. */
  line?: number;
  col?: number;
  endLine?: number;
  endCol?: number;
}

/** What was found in one file. */
export interface FileFindings {
  /** The file as it was named on the command line. */
  file: string;
  /** False when an error was found (warnings alone keep a file valid, unless --strict). */
  valid: boolean;
  /** True when the file could not be checked at all (unreadable, not YAML, newer version). */
  unchecked?: boolean;
  findings: Finding[];
  /** How long checking the file took, in milliseconds. */
  timeMs?: number;
}

/** One run of a checking command over some files. */
export interface CheckRun {
  /** The command, as a user would type it after `k0rdent-state`, e.g. `validate` or `migrate --check`. */
  command: string;
  files: FileFindings[];
}

/** Formats a finding as the text line the CLI prints: `FILE[:LINE:COL]: error|warning: MESSAGE [code]`. */
export function findingLine(file: string, finding: Finding): string {
  const where = finding.line === undefined ? file : `${file}:${finding.line}:${finding.col ?? 1}`;
  const at = finding.pointer === undefined ? '' : ` (at ${finding.pointer || '/'})`;
  return `${where}: ${finding.severity}: ${finding.message} [${finding.code}]${at}`;
}

/** Counts the findings of a run by severity. */
export function countFindings(run: CheckRun): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const file of run.files) {
    for (const finding of file.findings) {
      if (finding.severity === 'error') errors++;
      else warnings++;
    }
  }
  return { errors, warnings };
}
