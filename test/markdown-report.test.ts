// `migrate --dry-run --format markdown`, the report for a pull-request comment, rendered by a real
// CommonMark renderer (markdown-it, with raw HTML allowed as on GitHub) and checked on the HTML:
// values and paths show literally in code spans (no markup from a value, `<redacted>` visible),
// descriptions are escaped, a change repeated for many VMs or peers is one row with a count, and
// `--max-bytes` (default: GitHub's 65,536-character comment limit) keeps the summary and the
// warnings first and says what it cut.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateParsed } from '../src/migrate/engine.js';
import { decodeStateBytes } from '../src/parse/decode.js';
import { parseState } from '../src/parse/parse.js';
import { codeSpan, escapeMarkdown, GITHUB_COMMENT_LIMIT, groupRows } from '../src/report/markdown.js';
import { groupChanges, renderReport } from '../src/report/render.js';
import { buildReport, type MigrationReport } from '../src/report/report.js';
import { cli, REPO } from './helpers/tmp-state.js';
import { makeTempDir, removeTempDir } from './helpers.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const md = new MarkdownIt({ html: true });
const E5 = readFileSync(join(REPO, 'fixtures/v1/e5-deployer.yaml'), 'utf8');

function report(text: string, name = 'state/deployment-state.yaml'): MigrationReport {
  const decoded = decodeStateBytes(Buffer.from(text), name);
  const result = migrateParsed(parseState(decoded.text, name), decoded, { now: NOW });
  return buildReport(name, decoded.text, result, { applied: false, now: NOW, diff: true });
}

/** The texts of every `<code>` element, HTML entities decoded. */
function codes(html: string): string[] {
  return [...html.matchAll(/<code[^>]*>([\s\S]*?)<\/code>/g)].map((match) => unescapeHtml(match[1] ?? ''));
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** The rows of the table under the `#### TITLE (N)` heading, each as its cells' HTML. */
function tableRows(html: string, title: string): string[][] {
  const start = html.search(new RegExp(`<h4>${title} \\(\\d+\\)</h4>`));
  expect(start, title).toBeGreaterThanOrEqual(0);
  const table = html.slice(start, html.indexOf('</table>', start));
  const body = table.slice(table.indexOf('<tbody>'));
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => cell[1] ?? ''),
  );
}

/** A v1 file of `vms` workers, each in vm_states and wireguard_peers (as bench/generate.mjs makes). */
function manyVms(vms: number, network = '172.24.0.0/16'): string {
  const states: string[] = ['vm_states:'];
  const peers: string[] = [
    'wireguard_peers:',
    '  mylaptop: {ip: "172.24.0.1", role: "hub", private_key: "N2QlS60pYSo3tWx/urmcX2wtgQb5jkBH4oNKHfkhwxc=", public_key: "U+jU/qX0epk3tL49aToaLn8LVpa/XMlIwtzXy21+4WE=", keys_generated: true}',
  ];
  for (let i = 1; i <= vms; i++) {
    states.push(
      `  k0rdent-q7x2m9pa-worker-${i}:`,
      `    public_ip: "20.195.${Math.floor(i / 250)}.${(i % 250) + 1}"`,
      `    private_ip: "10.240.${Math.floor(i / 250)}.${(i % 250) + 4}"`,
      '    state: "Succeeded"',
      '    last_checked: "2025-12-03T09:30:11Z"',
    );
    peers.push(
      `  k0rdent-q7x2m9pa-worker-${i}: {ip: "172.24.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}", role: "worker", private_key: "EgBFpEObz09cc8N6zHHo3kUQKpKXq+JgrX5LsmBWgXY=", public_key: "o8X/e2Fr/DD4h23z9M2Ix3E4WEUmGWAjCl+Jsx+Tj70=", keys_generated: true}`,
    );
  }
  return E5.replace(/^vm_states:\n(?: {2}.*\n)+/m, `${states.join('\n')}\n`)
    .replace(/^wireguard_peers:\n(?: {2}.*\n)+/m, `${peers.join('\n')}\n`)
    .replace('wireguard_network: "172.24.24.0/24"', `wireguard_network: "${network}"`);
}

describe('values, paths and descriptions render as themselves', () => {
  // Unknown keys go to unrecognized verbatim: their names and values reach the report as written.
  const hostile = `${E5}${[
    'release_notes: "wg_*, k0s_* and *both*"',
    'html_note: "<b>x</b> <redacted> &amp; $x$ @alice"',
    '"tick`key": "a ``` b `c`"',
    '"pipe|key": "x | y"',
    '"under_score_*key*": "[link](http://example.com)"',
    'multi_line: "one\\ntwo"',
  ].join('\n')}\n`;
  const rendered = renderReport(report(hostile), 'markdown');
  const html = md.render(rendered);

  it('makes no markup from a value, a key or a description: no emphasis, bold, link or raw HTML', () => {
    for (const tag of ['<em>', '<strong>', '<b>', '<del>', '<a ', '<s>'])
      expect(html, tag).not.toContain(tag);
    // The step descriptions name `deployment_flags_*`, `wg_*, k0s_*`: escaped, so shown as written.
    expect(html).toContain('fold flat deployment_flags_* into deployment_flags');
    expect(html).toContain('Group wg_*, k0s_*, k0rdent_*, aws_* and (with KOF on) kof_*');
  });

  it('shows every value and path literally in a code span, <redacted> and backticks included', () => {
    const spans = codes(html);
    for (const expected of [
      'unrecognized.release_notes',
      '"wg_*, k0s_* and *both*"',
      '"<b>x</b> <redacted> &amp; $x$ @alice"',
      'unrecognized.tick`key',
      '"a ``` b `c`"',
      'unrecognized.pipe|key',
      '"x | y"',
      'unrecognized.under_score_*key*',
      '"[link](http://example.com)"',
      '"one\\ntwo"',
      'state/deployment-state.yaml',
    ]) {
      expect(spans, expected).toContain(expected);
    }
    // The diff masks private keys; the mask is visible, not swallowed as an HTML tag.
    expect(html).toMatch(/<pre><code class="language-diff">[\s\S]*private_key: &lt;redacted&gt;/);
    expect(rendered).not.toContain('N2QlS60pYSo3tWx');
  });

  it('keeps every table row at its columns: a | in a value does not split a cell', () => {
    const carried = tableRows(html, 'Carried to unrecognized');
    expect(carried.length).toBeGreaterThanOrEqual(6);
    for (const row of carried) expect(row).toHaveLength(4);
    for (const row of tableRows(html, 'Moved')) expect(row).toHaveLength(4);
  });

  it('codeSpan and escapeMarkdown hold any text (round trip through markdown-it)', () => {
    for (const text of ['`', '``a``', ' a ', 'a|b', '<x>', '\\', '`a`', 'x\\|y', '*_~$@!#&[]']) {
      const inline = md.renderInline(codeSpan(text));
      expect(unescapeHtml(inline), JSON.stringify(text)).toBe(`<code>${text}</code>`);
      const table = md.render(`| a |\n| --- |\n| ${codeSpan(text, true)} |\n`);
      expect(codes(table), JSON.stringify(text)).toEqual([text]);
      expect(unescapeHtml(md.renderInline(escapeMarkdown(text))), JSON.stringify(text)).toBe(text);
    }
  });
});

describe('a change repeated for many VMs or peers is one row with a count', () => {
  const big = report(manyVms(300));

  it('the 300 per-VM renames are one row, naming the first VMs and how many more', () => {
    const html = md.render(renderReport(big, 'markdown', { noDiff: true }));
    const moved = tableRows(html, 'Moved');
    const grouped = moved.filter((row) => row[3]?.includes('×300'));
    expect(grouped).toHaveLength(1);
    const [from, to, value, reason] = (grouped[0] ?? []).map(unescapeHtml);
    expect(from).toBe('<code>infrastructure_facts.outputs.vm_details.<vm>.state</code>');
    expect(to).toBe('<code>infrastructure_facts.outputs.vm_details.<vm>.provisioning_state</code>');
    expect(value).toBe('<code>"Succeeded"</code>');
    expect(reason).toBe(
      'renamed after the Azure field it holds (×300: <code>k0rdent-q7x2m9pa-worker-1</code>, <code>k0rdent-q7x2m9pa-worker-2</code>, <code>k0rdent-q7x2m9pa-worker-3</code> and 297 more)',
    );
    expect(moved.length).toBeLessThan(20);
    expect(html).toMatch(/<h4>Moved \(\d+\)<\/h4>/);
  });

  it('grouping loses no change and keeps the first change of each row in its place', () => {
    for (const group of groupChanges(big.changes)) {
      const rows = groupRows(group.changes);
      expect(rows.flatMap((row) => row.changes)).toHaveLength(group.changes.length);
      expect(new Set(rows.flatMap((row) => row.changes))).toEqual(new Set(group.changes));
    }
  });

  it('different values in one row are counted, not shown as one', () => {
    const rows = groupRows([
      { step: 's', op: 'set', from: null, to: 'wireguard_config.peers.a.ip', value: '1', reason: 'r' },
      { step: 's', op: 'set', from: null, to: 'wireguard_config.peers.b.ip', value: '2', reason: 'r' },
    ]);
    expect(rows).toHaveLength(1);
    const html = md.render(
      renderReport({ ...big, changes: rows[0]?.changes ?? [], warnings: [], diff: '' }, 'markdown'),
    );
    expect(tableRows(html, 'Added or set')[0]?.[2]).toBe('2 different values');
  });
});

describe('--max-bytes: the summary and the warnings first, and a note on what was cut', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir();
    await mkdir(join(dir, 'state'));
  });
  afterAll(() => removeTempDir(dir));

  // 150 VMs: a report of about 117 KB whose diff is still whole (from 200 VMs on the diff itself
  // is replaced by a per-section summary, see src/report/diff.ts).
  it('by default a 150-VM dry run fits a GitHub comment, still renders whole, and says what it cut', async () => {
    await writeFile(join(dir, 'state/deployment-state.yaml'), manyVms(150));
    const result = await cli(['migrate', '--dry-run', '--format', 'markdown'], dir);
    expect(result.code, result.err).toBe(0);
    expect(Buffer.byteLength(result.out)).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const full = await cli(['migrate', '--dry-run', '--format', 'markdown', '--max-bytes', '0'], dir);
    expect(Buffer.byteLength(full.out)).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(
      /^### Would migrate `state\/deployment-state\.yaml` from v1 to v2: \d+ changes in 6 steps$/,
    );
    expect(lines[2]).toMatch(
      /^> \*\*Shortened to fit 65,536 bytes\*\*: left out the last [\d,]+ of [\d,]+ lines of the diff\. The whole report: `k0rdent-state migrate --dry-run --format markdown --max-bytes 0 state\/deployment-state\.yaml`\.$/,
    );
    const html = md.render(result.out);
    // The kept part of the diff is closed: the details and the code block end where they should.
    expect(html.trimEnd().endsWith('</details>')).toBe(true);
    expect(html.match(/<pre>/g)).toHaveLength(1);
    expect(html).toContain('</code></pre>');
    // Everything but the diff's end was kept.
    for (const title of ['Moved', 'Retyped', 'Pruned', 'Added or set'])
      expect(tableRows(html, title).length).toBeGreaterThan(0);
    expect(
      full.out.startsWith(result.out.split('<details>')[0]?.replace(/\n> \*\*Shortened[^\n]*\n/, '') ?? ''),
    ).toBe(true);
  });

  it('a small limit keeps the summary and every warning, then cuts rows and says which', async () => {
    // The peers lie outside a /24: one warning per peer.
    await writeFile(join(dir, 'state/deployment-state.yaml'), manyVms(20, '172.24.24.0/24'));
    const result = await cli(
      ['migrate', '--dry-run', '--format', 'markdown', '--max-bytes', '8192', '--report', 'pr.md'],
      dir,
    );
    expect(result.code, result.err).toBe(0);
    expect(Buffer.byteLength(result.out)).toBeLessThanOrEqual(8192);
    expect(await readFile(join(dir, 'pr.md'), 'utf8')).toBe(result.out);
    const html = md.render(result.out);
    expect(html).toContain('<td><code>normalize-v1</code></td>');
    const warnings = html.slice(html.indexOf('<h4>Warnings'), html.indexOf('</ul>'));
    expect(warnings.match(/<li>/g)?.length).toBe(21);
    expect(html.indexOf('<h4>Warnings')).toBeLessThan(html.indexOf('<h4>Moved'));
    expect(result.out.split('\n')[2]).toMatch(
      /^> \*\*Shortened to fit 8,192 bytes\*\*: left out the last \d+ of \d+ rows of (Moved|Retyped|Pruned) \(\d+ of \d+ changes\); (?:(?:Retyped|Pruned) \(\d+ changes?\); )*Added or set \(31 changes\); the diff \(\d+ lines\)\. The whole report: /,
    );
    expect(html).not.toContain('<details>');
    expect(tableRows(html, 'Moved').length).toBeGreaterThan(0);
    expect(html).not.toContain('<h4>Added or set');
  });

  it('is refused with another format, or below 4096 bytes (0: no limit)', async () => {
    await writeFile(join(dir, 'state/deployment-state.yaml'), E5);
    const text = await cli(['migrate', '--dry-run', '--max-bytes', '9000'], dir);
    expect(text.err).toBe(
      'error: --max-bytes goes with --format markdown (a report for a pull-request comment), not --format text [usage]\n',
    );
    expect(text.code).toBe(2);
    const small = await cli(['migrate', '--dry-run', '--format', 'markdown', '--max-bytes', '100'], dir);
    expect(small.err).toBe(
      "error: --max-bytes 100 is not a size for a report; write a number of bytes of at least 4096 (default 65536, GitHub's comment limit), or 0 for no limit [usage]\n",
    );
    expect(small.code).toBe(2);
    const none = await cli(['migrate', '--dry-run', '--format', 'markdown', '--max-bytes', '0'], dir);
    expect(none.code).toBe(0);
    expect(none.out).not.toContain('Shortened');
  });
});
