import type { Change } from '../migrate/types.js';
import { SHOWN_SECTIONS } from './diff.js';
import { brief, type MigrationReport } from './report.js';

/**
 * The Markdown form of a migration report, for a pull-request comment. Values and paths are code
 * spans that hold their text literally (a value `<b>x</b>` or `<redacted>` shows as written, never
 * as markup); every other text is escaped. Rows that repeat one change across many VMs or peers
 * become one row with a count. With a size limit, the summary and the warnings come first and a
 * note at the top says what was left out.
 */

/** GitHub's limit on the text of an issue or pull-request comment, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** The smallest `maxBytes` that leaves room for more than the summary. */
export const MIN_MARKDOWN_BYTES = 4096;

/** Options of {@link renderMarkdownReport}. */
export interface MarkdownOptions {
  /** Leave the diff out. */
  noDiff?: boolean;
  /**
   * Keep the report within this many UTF-8 bytes (so within as many characters too); 0 or absent:
   * no limit. The headline and the steps table are always kept.
   */
  maxBytes?: number;
  /** The command that prints the whole report, for the note that says what was cut. */
  fullReportHint?: string;
}

// CommonMark's markup characters (and GitHub's: ~ strikethrough, $ math, @ mentions), escaped
// with a backslash outside code spans.
const MARKUP = /[\\`*_[\]<>|~&!#$@]/g;

/** Text as itself in Markdown: markup characters escaped, line breaks folded into spaces. */
export function escapeMarkdown(text: string): string {
  return oneLine(text).replace(MARKUP, '\\$&');
}

/**
 * A code span that shows `text` literally: fenced by one backtick more than its longest run of
 * backticks, padded when it starts or ends with a backtick (or with a space on both sides, which
 * CommonMark would strip). In a table cell (`inTable`), `|` is escaped as GFM requires there.
 */
export function codeSpan(text: string, inTable = false): string {
  const flat = oneLine(text);
  if (flat === '') return '';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad =
    flat.startsWith('`') || flat.endsWith('`') || (/^ .*[^ ].* $/.test(flat) && flat.trim() !== '')
      ? ' '
      : '';
  const body = inTable ? flat.replace(/\|/g, '\\|') : flat;
  return `${fence}${pad}${body}${pad}${fence}`;
}

function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n]/g, ' ');
}

/** Collections whose keys are VM or peer names, and the placeholder a grouped row shows. */
const NAMED: Record<string, string> = {
  vm_details: '<vm>',
  vm_states: '<vm>',
  vm_runtime_status: '<vm>',
  peers: '<host>',
  wireguard_peers: '<host>',
};

/** A path with its VM or peer name replaced by a placeholder, and the name; undefined when none. */
function namedPattern(path: string | null): { pattern: string; name: string } | undefined {
  if (path === null) return undefined;
  for (const [collection, placeholder] of Object.entries(NAMED)) {
    const marker = `${collection}.`;
    const inner = path.indexOf(`.${marker}`);
    if (!path.startsWith(marker) && inner < 0) continue;
    const start = (path.startsWith(marker) ? 0 : inner + 1) + marker.length;
    // The name runs to the last segment (a field of the VM or peer), or to the end (the whole entry).
    const rest = path.slice(start);
    const dot = rest.lastIndexOf('.');
    const name = dot > 0 ? rest.slice(0, dot) : rest;
    const tail = dot > 0 ? rest.slice(dot) : '';
    if (name === '') continue;
    return { pattern: `${path.slice(0, start)}${placeholder}${tail}`, name };
  }
  return undefined;
}

/** One row of a change table: one change, or one change repeated for several VMs or peers. */
interface Row {
  changes: Change[];
  from: string | null;
  to: string | null;
  names: string[];
}

/** Groups changes that differ only in the VM or peer they are about, keeping the first one's place. */
export function groupRows(changes: readonly Change[]): Row[] {
  const rows: Row[] = [];
  const bySignature = new Map<string, Row>();
  for (const change of changes) {
    const from = namedPattern(change.from);
    const to = namedPattern(change.to);
    const name = from?.name ?? to?.name;
    // Grouped only when the name is the same on both sides of a move (a rename of a field).
    const groupable = name !== undefined && (!from || !to || from.name === to.name);
    if (!groupable) {
      rows.push({ changes: [change], from: change.from, to: change.to, names: [] });
      continue;
    }
    const fromPattern = from?.pattern ?? change.from;
    const toPattern = to?.pattern ?? change.to;
    const signature = JSON.stringify([change.op, change.step, change.reason, fromPattern, toPattern]);
    const row = bySignature.get(signature);
    if (row) {
      row.changes.push(change);
      row.names.push(name);
      continue;
    }
    const fresh: Row = { changes: [change], from: fromPattern, to: toPattern, names: [name] };
    bySignature.set(signature, fresh);
    rows.push(fresh);
  }
  // A "group" of one is shown as the change itself.
  return rows.map((row) =>
    row.changes.length === 1
      ? { ...row, from: row.changes[0]?.from ?? null, to: row.changes[0]?.to ?? null }
      : row,
  );
}

function renderRow(row: Row): string {
  const cell = (path: string | null) => (path ? codeSpan(path, true) : '');
  const first = row.changes[0] as Change;
  const values = new Set(row.changes.map((change) => brief(change.value)));
  const value =
    values.size === 1 ? codeSpan(brief(first.value), true) : `${row.changes.length} different values`;
  let reason = escapeMarkdown(first.reason);
  if (row.changes.length > 1) {
    const shown = row.names.slice(0, 3).map((name) => codeSpan(name, true));
    const more = row.names.length - shown.length;
    reason += ` (×${row.changes.length}: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''})`;
  }
  return `| ${cell(row.from)} | ${cell(row.to)} | ${value} | ${reason} |`;
}

/** A piece of the report that is kept or cut whole, and what cutting it leaves out. */
interface Unit {
  text: string;
  /** Always kept. */
  keep?: boolean;
  /** What it is, for the note: e.g. `Moved` (a row of that table), `Warnings`, `diff`. */
  kind: string;
  /** Changes (for rows), warnings, or diff lines it stands for. */
  count: number;
  /** Text that must follow the last kept unit once this one is kept (a code fence's end). */
  close?: string;
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function headline(report: MigrationReport): string {
  const verb = report.applied ? 'Migrated' : 'Would migrate';
  return `${verb} ${codeSpan(report.file)} from v${report.from_version} to v${report.to_version}: ${report.changes.length} changes in ${report.steps.length} steps`;
}

function units(
  report: MigrationReport,
  groups: { title: string; changes: Change[] }[],
  options: MarkdownOptions,
): Unit[] {
  const head = [`### ${headline(report)}`, ''];
  if (report.backup) head.push(`Backup: ${codeSpan(report.backup)}`, '');
  head.push('| step | changes | what it does |', '| --- | ---: | --- |');
  for (const step of report.steps) {
    head.push(`| ${codeSpan(step.id, true)} | ${step.changes} | ${escapeMarkdown(step.description)} |`);
  }
  const out: Unit[] = [{ text: head.join('\n'), keep: true, kind: 'summary', count: 0 }];
  if (report.warnings.length > 0) {
    out.push({ text: `\n\n#### Warnings (${report.warnings.length})\n`, kind: 'Warnings', count: 0 });
    for (const warning of report.warnings) {
      out.push({
        text: `\n- ${codeSpan(warning.path)}: ${escapeMarkdown(warning.message)} (${codeSpan(warning.code)})`,
        kind: 'Warnings',
        count: 1,
      });
    }
  }
  for (const group of groups) {
    if (group.changes.length === 0) continue;
    const rows = groupRows(group.changes);
    const header = `\n\n#### ${escapeMarkdown(group.title)} (${group.changes.length})\n\n| from | to | value | reason |\n| --- | --- | --- | --- |`;
    rows.forEach((row, index) => {
      out.push({
        text: `${index === 0 ? header : ''}\n${renderRow(row)}`,
        kind: group.title,
        count: row.changes.length,
      });
    });
  }
  if (!options.noDiff && report.diff) {
    const diff = report.diff.replace(/\n$/, '');
    const longest = Math.max(2, ...(diff.match(/`+/g) ?? []).map((run) => run.length));
    const fence = '`'.repeat(longest + 1);
    // One unit per line, so that a limit keeps the diff's beginning; the fence is closed either way.
    diff.split('\n').forEach((line, index) => {
      out.push({
        text: `${index === 0 ? `\n\n<details><summary>Diff (private keys masked)</summary>\n\n${fence}diff` : ''}\n${line}`,
        kind: 'diff',
        count: 1,
        ...(index === 0 ? { close: `\n${fence}\n\n</details>` } : {}),
      });
    });
  }
  if (!options.noDiff && report.diff_summary) {
    const count = (lines: number | null) => (lines === null ? 'none' : n(lines));
    const all = report.diff_summary;
    all.slice(0, SHOWN_SECTIONS).forEach((row, index) => {
      out.push({
        text: `${index === 0 ? `\n\n<details><summary>Diff left out: too large to review line by line (${plural(all.length, 'top-level section')}${all.length > SHOWN_SECTIONS ? `, the first ${SHOWN_SECTIONS} listed; all in \`--format json\`` : ''})</summary>\n\n| section | lines before | lines after | |\n| --- | --- | --- | --- |` : ''}\n| ${codeSpan(row.section, true)} | ${count(row.lines_before)} | ${count(row.lines_after)} | ${row.state} |`,
        kind: 'diff-summary',
        count: 1,
        ...(index === 0 ? { close: '\n\n</details>' } : {}),
      });
    });
  }
  return out;
}

/** A count as the note writes it: `65,536`. */
function n(count: number): string {
  return count.toLocaleString('en-US');
}

function plural(count: number, word: string): string {
  return `${n(count)} ${word}${count === 1 ? '' : 's'}`;
}

/** The note that says what a size limit left out. */
function cutNote(cut: Unit[], all: Unit[], limit: number, hint: string | undefined): string {
  const parts: string[] = [];
  for (const kind of new Set(cut.map((unit) => unit.kind))) {
    const left = cut.filter((unit) => unit.kind === kind && unit.count > 0);
    const total = all.filter((unit) => unit.kind === kind && unit.count > 0);
    const whole = left.length === total.length;
    const count = left.reduce((sum, unit) => sum + unit.count, 0);
    if (kind === 'diff') {
      parts.push(
        whole
          ? `the diff (${plural(count, 'line')})`
          : `the last ${n(count)} of ${plural(total.length, 'line')} of the diff`,
      );
    } else if (kind === 'diff-summary') {
      parts.push(
        whole
          ? `the diff summary (${plural(count, 'section')})`
          : `the last ${n(count)} of ${plural(total.length, 'section')} of the diff summary`,
      );
    } else if (kind === 'Warnings') {
      parts.push(
        whole
          ? `the ${plural(count, 'warning')}`
          : `the last ${n(count)} of ${plural(total.length, 'warning')}`,
      );
    } else {
      const changes = total.reduce((sum, unit) => sum + unit.count, 0);
      parts.push(
        whole
          ? `${kind} (${plural(changes, 'change')})`
          : `the last ${n(left.length)} of ${n(total.length)} rows of ${kind} (${n(count)} of ${plural(changes, 'change')})`,
      );
    }
  }
  const full = hint ? ` The whole report: ${codeSpan(hint)}.` : '';
  return `> **Shortened to fit ${plural(limit, 'byte')}**: left out ${escapeMarkdown(parts.join('; '))}.${full}`;
}

/**
 * Renders a migration report as Markdown; see the module comment. With `maxBytes`, the longest
 * beginning of the report that fits is kept (summary, warnings, change rows, then the diff whole),
 * and a note after the headline says what was left out and how to get the whole report.
 */
export function renderMarkdownReport(
  report: MigrationReport,
  groups: { title: string; changes: Change[] }[],
  options: MarkdownOptions = {},
): string {
  const all = units(report, groups, options);
  const whole = `${all.map((unit) => unit.text).join('')}\n`;
  const limit = options.maxBytes ?? 0;
  if (limit <= 0 || bytes(whole) <= limit) return whole;
  // Reserve room for the note, which grows a little as more is cut: a few rounds settle it.
  let reserve = 0;
  let text = whole;
  for (let round = 0; round < 5; round++) {
    let used = 1 + reserve;
    let close = '';
    let index = 0;
    for (; index < all.length; index++) {
      const unit = all[index] as Unit;
      const closing = unit.close ?? close;
      if (!unit.keep && used + bytes(unit.text) + bytes(closing) > limit) break;
      used += bytes(unit.text);
      close = closing;
    }
    const kept = all.slice(0, index);
    const cut = all.slice(index);
    const note = cutNote(cut, all, limit, options.fullReportHint);
    const [first, ...rest] = kept.map((unit) => unit.text);
    const [title = '', ...summary] = (first ?? '').split('\n');
    text = `${[title, '', note, ...summary].join('\n')}${rest.join('')}${close}\n`;
    if (bytes(text) <= limit) return text;
    reserve = bytes(note) + 2 + round * 64;
  }
  return text;
}
