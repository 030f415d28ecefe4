import { type CheckRun, countFindings, type Finding, findingLine } from './findings.js';

/** GitHub shows at most this many annotations of one kind per step; more are dropped silently. */
export const GITHUB_ANNOTATION_LIMIT = 10;

/** Escapes the message of a workflow command (`::error ...::MESSAGE`): `%`, CR and LF. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value of a workflow command (`file=`, `title=`): also `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * One workflow command for a finding. GitHub accepts `col`/`endColumn` only when the finding is
 * on one line, and its `endColumn` is inclusive (ours is exclusive).
 */
export function annotation(file: string, finding: Finding): string {
  const props: string[] = [`file=${escapeProperty(file)}`];
  if (finding.line !== undefined) {
    const endLine = finding.endLine ?? finding.line;
    props.push(`line=${finding.line}`);
    if (endLine === finding.line) {
      const col = finding.col ?? 1;
      const endCol = Math.max(col, (finding.endCol ?? col + 1) - 1);
      props.push(`col=${col}`, `endLine=${endLine}`, `endColumn=${endCol}`);
    } else {
      props.push(`endLine=${endLine}`);
    }
  }
  props.push(`title=${escapeProperty(`k0rdent-state ${finding.code}`)}`);
  const at = finding.pointer ? ` (at ${finding.pointer})` : '';
  return `::${finding.severity} ${props.join(',')}::${escapeData(`${finding.message}${at} [${finding.code}]`)}`;
}

/**
 * Renders a run as GitHub Actions workflow commands: one `::error` or `::warning` annotation
 * per finding, errors first, at most {@link GITHUB_ANNOTATION_LIMIT} in all; the rest as plain
 * log lines after a line saying how many were not annotated.
 */
export function renderGithub(run: CheckRun, limit = GITHUB_ANNOTATION_LIMIT): string {
  const all: { file: string; finding: Finding }[] = [];
  for (const file of run.files) for (const finding of file.findings) all.push({ file: file.file, finding });
  // Errors are what fails the job: they get the annotations first; the order is kept otherwise.
  const ordered = [
    ...all.filter((entry) => entry.finding.severity === 'error'),
    ...all.filter((entry) => entry.finding.severity !== 'error'),
  ];
  const out = ordered.slice(0, limit).map((entry) => annotation(entry.file, entry.finding));
  const rest = ordered.slice(limit);
  if (rest.length > 0) {
    out.push(
      `k0rdent-state: ${rest.length} more problem${rest.length === 1 ? ' was' : 's were'} not annotated (GitHub shows at most ${limit}); the rest:`,
    );
    for (const entry of rest) out.push(findingLine(entry.file, entry.finding));
  }
  const { errors, warnings } = countFindings(run);
  const invalid = run.files.filter((file) => !file.valid).length;
  out.push(
    `k0rdent-state ${run.command}: ${plural(run.files.length, 'file')} checked, ${invalid} failed, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`,
  );
  return `${out.join('\n')}\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
