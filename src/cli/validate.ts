import { resolve } from 'node:path';
import { ExitCode, formatStateError, StateError } from '../errors.js';
import { decodeStateBytes } from '../parse/decode.js';
import { parseState } from '../parse/parse.js';
import { DEFAULT_MAX_BYTES, readStateBytes } from '../read/read-file.js';
import type { Problem } from '../validate/problem.js';
import { validateParsed } from '../validate/validate.js';
import { LATEST_VERSION } from '../version.js';
import type { CliIO } from './io.js';

/** Options of the `validate` command. */
export interface ValidateCommandOptions {
  files: string[];
  schema?: 'v1' | 'v2';
  requireLatest?: boolean;
  strict?: boolean;
  format?: 'text' | 'json';
  maxBytes?: number;
}

/** Result of validating one file, as `--format json` prints it. */
export interface FileReport {
  file: string;
  version: number | null;
  valid: boolean;
  problems: Problem[];
  /** Set when the file could not be checked at all (unreadable, not YAML, newer version). */
  error?: { code: string; message: string; line: number | null; col: number | null; exitCode: number };
}

/** Validates one file from disk and reports what was found; never throws for bad input. */
export async function validateFile(
  file: string,
  io: CliIO,
  options: Omit<ValidateCommandOptions, 'files' | 'format'>,
): Promise<FileReport> {
  try {
    const bytes = await readStateBytes(resolve(io.cwd, file), {
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    });
    const { text } = decodeStateBytes(bytes, file);
    const parsed = parseState(text, file);
    const forced = options.schema === undefined ? undefined : Number(options.schema.slice(1));
    const result = validateParsed(parsed, { version: forced, strict: options.strict === true });
    const problems = [...result.problems];
    if (options.requireLatest && result.version < LATEST_VERSION) {
      problems.unshift({
        severity: 'error',
        code: 'not-latest',
        message: `this file is format v${result.version}, the latest is v${LATEST_VERSION}; run: k0rdent-state migrate ${file}`,
        pointer: '',
        line: 1,
        col: 1,
        endLine: 1,
        endCol: 1,
      });
    }
    return {
      file,
      version: result.version,
      valid: problems.every((p) => p.severity !== 'error'),
      problems,
    };
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    // Messages name the file as it was given, not the path it was resolved to.
    error.file = file;
    return {
      file,
      version: null,
      valid: false,
      problems: [],
      error: {
        code: error.code,
        message: formatStateError(error),
        line: error.position?.line ?? null,
        col: error.position?.col ?? null,
        exitCode: error.exitCode,
      },
    };
  }
}

/** Formats one problem as `FILE:LINE:COL: error|warning: MESSAGE [code] (at /pointer)`. */
export function formatProblem(file: string, problem: Problem): string {
  return `${file}:${problem.line}:${problem.col}: ${problem.severity}: ${problem.message} [${problem.code}] (at ${problem.pointer || '/'})`;
}

/** Exit code for a set of file reports: the highest code any file calls for. */
export function exitCodeOf(reports: FileReport[]): number {
  let code: number = ExitCode.ok;
  for (const report of reports) {
    const own = report.error ? report.error.exitCode : report.valid ? ExitCode.ok : ExitCode.invalid;
    code = Math.max(code, own);
  }
  return code;
}

/** The `validate` command: checks files against their version's schema and the invariants. */
export async function validateCommand(options: ValidateCommandOptions, io: CliIO): Promise<number> {
  const reports: FileReport[] = [];
  for (const file of options.files) reports.push(await validateFile(file, io, options));
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify({ valid: reports.every((r) => r.valid), files: reports }, null, 2)}\n`);
  } else {
    for (const report of reports) {
      if (report.error) io.stdout(`${report.error.message}\n`);
      for (const problem of report.problems) io.stdout(`${formatProblem(report.file, problem)}\n`);
    }
    const invalid = reports.filter((r) => !r.valid).length;
    const warnings = reports.reduce(
      (n, r) => n + r.problems.filter((p) => p.severity === 'warning').length,
      0,
    );
    io.stderr(
      `${reports.length} file${reports.length === 1 ? '' : 's'} checked: ${reports.length - invalid} valid, ${invalid} invalid, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
    );
  }
  return exitCodeOf(reports);
}
