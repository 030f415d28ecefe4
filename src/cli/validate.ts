import { resolve } from 'node:path';
import { ExitCode, formatStateError, StateError } from '../errors.js';
import { decodeStateBytes } from '../parse/decode.js';
import { DEFAULT_MAX_BYTES, readStateBytes } from '../read/read-file.js';
import { readRegularFileSync } from '../read/read-sync.js';
import { validateTextFast, validateTextFull } from '../validate/fast.js';
import type { Problem } from '../validate/problem.js';
import { LATEST_VERSION } from '../version.js';
import {
  type CheckRun,
  type CiFormat,
  type FileFindings,
  type Finding,
  isCiFormat,
  renderCheckRun,
} from './formats/index.js';
import type { CliIO } from './io.js';

/** Options of the `validate` command. */
export interface ValidateCommandOptions {
  files: string[];
  schema?: 'v1' | 'v2';
  requireLatest?: boolean;
  strict?: boolean;
  /** `text` (default), `json`, or a CI format: `github`, `sarif`, `junit`. */
  format?: ValidateFormat;
  maxBytes?: number;
  /** Print only errors: no warnings, no summary (text output). */
  quiet?: boolean;
  /** Also print one line per file with its version and timing, and the total time. */
  verbose?: boolean;
  /** Colour `error` and `warning` in text output (the caller decides: a terminal, no NO_COLOR). */
  color?: boolean;
  /** Show `validated N/M` on standard error, updated in place (the caller decides: a terminal). */
  progress?: boolean;
}

/** Output formats of `validate`. */
export type ValidateFormat = 'text' | 'json' | CiFormat;

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
    const path = resolve(io.cwd, file);
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    // A regular file is read synchronously (faster for many small files); readStateBytes reads
    // the rest or says what is wrong.
    const bytes = readRegularFileSync(path, maxBytes) ?? (await readStateBytes(path, { maxBytes }));
    const { text } = decodeStateBytes(bytes, file);
    const forced = options.schema === undefined ? undefined : Number(options.schema.slice(1));
    const checks = { version: forced, strict: options.strict === true };
    // The fast reader answers for plain files; the YAML library, loaded only then, for the rest
    // (with the same result).
    const result = validateTextFast(text, checks) ?? (await validateTextFull(text, file, checks));
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

/** Files at least this many before `validate` shows progress on a terminal. */
export const PROGRESS_MIN_FILES = 20;

/** The message of a file-level error without the `FILE:LINE:COL: error: ` prefix and the `[code]` suffix. */
export function bareErrorMessage(report: FileReport): string {
  const error = report.error;
  if (!error) return '';
  let text = error.message;
  const where = `${report.file}${error.line === null ? '' : `:${error.line}:${error.col ?? 1}`}: error: `;
  if (text.startsWith(where)) text = text.slice(where.length);
  else if (text.startsWith('error: ')) text = text.slice('error: '.length);
  const suffix = ` [${error.code}]`;
  return text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
}

/** A file report in the shape the CI formats render. */
export function toFileFindings(report: FileReport, timeMs?: number): FileFindings {
  const findings: Finding[] = [];
  if (report.error) {
    findings.push({
      severity: 'error',
      code: report.error.code,
      message: bareErrorMessage(report),
      ...(report.error.line === null
        ? {}
        : {
            line: report.error.line,
            col: report.error.col ?? 1,
            endLine: report.error.line,
            endCol: report.error.col ?? 1,
          }),
    });
  }
  for (const problem of report.problems) {
    findings.push({
      severity: problem.severity,
      code: problem.code,
      message: problem.message,
      pointer: problem.pointer,
      line: problem.line,
      col: problem.col,
      endLine: problem.endLine,
      endCol: problem.endCol,
    });
  }
  return {
    file: report.file,
    valid: report.valid,
    ...(report.error ? { unchecked: true } : {}),
    findings,
    ...(timeMs === undefined ? {} : { timeMs }),
  };
}

/** Paints `error` / `warning` after the position of a text line (ANSI colours). */
export function colorLine(line: string): string {
  return line.replace(/(^|: )(error|warning)(: )/, (_match, before: string, word: string, after: string) => {
    const code = word === 'error' ? '31' : '33';
    return `${before}\u001b[1;${code}m${word}\u001b[0m${after}`;
  });
}

/** Writes `validated N/M` to standard error in place, at most every 100 ms; `done()` clears it. */
export function progressReporter(io: CliIO, total: number, label: string, enabled: boolean) {
  let last = 0;
  let shown = false;
  return {
    tick(done: number) {
      if (!enabled) return;
      const now = Date.now();
      if (done !== total && done !== 1 && now - last < 100) return;
      last = now;
      shown = true;
      io.stderr(`\r${label} ${done}/${total}`);
    },
    done() {
      if (shown) io.stderr('\r\u001b[K');
    },
  };
}

function milliseconds(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line for `--verbose`: what a file is and how long it took. */
function verboseLine(report: FileReport, ms: number): string {
  const errors = report.problems.filter((p) => p.severity === 'error').length + (report.error ? 1 : 0);
  const warnings = report.problems.filter((p) => p.severity === 'warning').length;
  const version = report.version === null ? '' : `v${report.version}, `;
  const verdict = report.valid
    ? `ok${warnings > 0 ? ` with ${plural(warnings, 'warning')}` : ''}`
    : `invalid: ${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}`;
  return `${report.file}: ${verdict} (${version}${milliseconds(ms)})`;
}

/** The `validate` command: checks files against their version's schema and the invariants. */
export async function validateCommand(options: ValidateCommandOptions, io: CliIO): Promise<number> {
  const started = performance.now();
  const reports: FileReport[] = [];
  const times: number[] = [];
  const progress = progressReporter(
    io,
    options.files.length,
    'validated',
    options.progress === true && options.quiet !== true && options.files.length >= PROGRESS_MIN_FILES,
  );
  for (const file of options.files) {
    const fileStarted = performance.now();
    reports.push(await validateFile(file, io, options));
    times.push(performance.now() - fileStarted);
    progress.tick(reports.length);
  }
  progress.done();
  const format = options.format ?? 'text';
  if (options.verbose) {
    reports.forEach((report, index) => {
      io.stderr(`${verboseLine(report, times[index] ?? 0)}\n`);
    });
  }
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ valid: reports.every((r) => r.valid), files: reports }, null, 2)}\n`);
  } else if (isCiFormat(format)) {
    const run: CheckRun = {
      command: 'validate',
      files: reports.map((report, index) => toFileFindings(report, times[index])),
    };
    io.stdout(renderCheckRun(run, format));
  } else {
    const paint = options.color ? colorLine : (line: string) => line;
    // One write for all the lines: a batch with many problems made a system call per line.
    let out = '';
    for (const report of reports) {
      if (report.error) out += `${paint(report.error.message)}\n`;
      for (const problem of report.problems) {
        if (options.quiet && problem.severity !== 'error') continue;
        out += `${paint(formatProblem(report.file, problem))}\n`;
      }
    }
    if (out !== '') io.stdout(out);
    if (!options.quiet) {
      const invalid = reports.filter((r) => !r.valid).length;
      const warnings = reports.reduce(
        (n, r) => n + r.problems.filter((p) => p.severity === 'warning').length,
        0,
      );
      const took = options.verbose ? ` in ${milliseconds(performance.now() - started)}` : '';
      io.stderr(
        `${plural(reports.length, 'file')} checked: ${reports.length - invalid} valid, ${invalid} invalid, ${plural(warnings, 'warning')}${took}\n`,
      );
    }
  }
  return exitCodeOf(reports);
}
