import type { Change } from '../migrate/types.js';
import { SHOWN_SECTIONS } from './diff.js';
import { type MarkdownOptions, renderMarkdownReport } from './markdown.js';
import { brief, type MigrationReport } from './report.js';

/** Output formats of a migration report. */
export type ReportFormat = 'text' | 'json' | 'markdown';

/** Options of {@link renderReport}. */
export interface RenderOptions {
  /** Use ANSI colours (only on a terminal, and never with NO_COLOR). */
  color?: boolean;
  /** Leave the diff out. */
  noDiff?: boolean;
  /** Markdown only: keep the report within this many bytes (see {@link MarkdownOptions}). */
  maxBytes?: number;
  /** Markdown only: the command that prints the whole report, named when the limit cut some. */
  fullReportHint?: string;
}

type Group = { title: string; changes: Change[] };

/** Sorts changes into the groups an operator reviews: moved, retyped, pruned, added, carried. */
export function groupChanges(changes: readonly Change[]): Group[] {
  const carried = (change: Change) => change.op === 'move' && (change.to ?? '').startsWith('unrecognized.');
  return [
    { title: 'Moved', changes: changes.filter((c) => c.op === 'move' && !carried(c)) },
    { title: 'Retyped', changes: changes.filter((c) => c.op === 'retype') },
    { title: 'Pruned', changes: changes.filter((c) => c.op === 'prune') },
    { title: 'Added or set', changes: changes.filter((c) => c.op === 'add' || c.op === 'set') },
    { title: 'Carried to unrecognized', changes: changes.filter(carried) },
  ];
}

/** Renders a report as text, JSON or Markdown. */
export function renderReport(
  report: MigrationReport,
  format: ReportFormat,
  options: RenderOptions = {},
): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(options.noDiff ? { ...report, diff: undefined } : report, null, 2)}\n`;
    case 'markdown':
      return renderMarkdownReport(report, groupChanges(report.changes), options);
    default:
      return renderText(report, options);
  }
}

function line(change: Change): string {
  switch (change.op) {
    case 'move':
      return `${change.from} -> ${change.to}`;
    case 'retype':
      return `${change.to} = ${brief(change.value)} (${change.reason})`;
    case 'prune':
      return `${change.from} = ${brief(change.value)}: ${change.reason}`;
    default:
      return `${change.to} = ${brief(change.value)}${change.from && change.from !== change.to ? ` (from ${change.from})` : ''}: ${change.reason}`;
  }
}

function headline(report: MigrationReport): string {
  const verb = report.applied ? 'Migrated' : 'Would migrate';
  return `${verb} ${report.file} from v${report.from_version} to v${report.to_version}: ${report.changes.length} changes in ${report.steps.length} steps`;
}

function renderText(report: MigrationReport, options: RenderOptions): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const out: string[] = [paint('1', headline(report))];
  if (report.backup) out.push(`Backup: ${report.backup}`);
  out.push('');
  out.push('Steps:');
  for (const step of report.steps) out.push(`  ${step.id} (${step.changes}): ${step.description}`);
  const colours: Record<string, string> = {
    Pruned: '31',
    'Added or set': '32',
    'Carried to unrecognized': '33',
  };
  for (const group of groupChanges(report.changes)) {
    if (group.changes.length === 0) continue;
    out.push('', paint('1', `${group.title} (${group.changes.length}):`));
    for (const change of group.changes) out.push(`  ${paint(colours[group.title] ?? '0', line(change))}`);
  }
  if (report.warnings.length > 0) {
    out.push('', paint('1;33', `Warnings (${report.warnings.length}):`));
    for (const warning of report.warnings)
      out.push(`  ${warning.path}: ${warning.message} [${warning.code}]`);
  }
  if (!options.noDiff && report.diff) {
    out.push('', paint('1', 'Diff (private keys masked):'));
    for (const diffLine of report.diff.replace(/\n$/, '').split('\n')) {
      const code =
        diffLine.startsWith('+') && !diffLine.startsWith('+++')
          ? '32'
          : diffLine.startsWith('-') && !diffLine.startsWith('---')
            ? '31'
            : diffLine.startsWith('@@')
              ? '36'
              : '';
      out.push(code ? paint(code, diffLine) : diffLine);
    }
  }
  if (!options.noDiff && report.diff_summary) {
    const all = report.diff_summary;
    out.push('', paint('1', 'Diff left out, too large to review line by line; by top-level section:'));
    const rows = all
      .slice(0, SHOWN_SECTIONS)
      .map((row) => [
        row.section,
        `${row.lines_before ?? 'none'} → ${row.lines_after ?? 'none'} lines`,
        row.state,
      ]);
    const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
    for (const [section = '', lines = '', state = ''] of rows) {
      out.push(`  ${section.padEnd(widths[0] ?? 0)}  ${lines.padEnd(widths[1] ?? 0)}  ${state}`);
    }
    if (all.length > rows.length)
      out.push(`  ... ${all.length - rows.length} more sections (all in --format json)`);
  }
  return `${out.join('\n')}\n`;
}
