import type { CheckRun, FileFindings } from './findings.js';
import { findingLine } from './findings.js';

/** True for a UTF-16 code unit XML 1.0 does not allow, even escaped (controls other than tab, LF, CR). */
function forbidden(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffe || code === 0xffff
  );
}

/** Replaces what XML cannot hold (forbidden characters, lone surrogates) with U+FFFD. */
function xmlSafe(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i] + (text[i + 1] ?? '');
        i++;
      } else {
        out += '\ufffd';
      }
    } else if ((code >= 0xdc00 && code <= 0xdfff) || forbidden(code)) {
      out += '\ufffd';
    } else {
      out += text[i];
    }
  }
  return out;
}

/** Escapes text content of an XML element; characters XML cannot hold become U+FFFD. */
export function escapeXmlText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an XML attribute value (double-quoted); line breaks and tabs are kept as references. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${escapeXmlAttribute(String(value))}"`)
    .join(' ');
}

function testcase(file: FileFindings, classname: string): string[] {
  const head = `    <testcase ${attributes({ name: file.file, classname, file: file.file, time: seconds(file.timeMs) })}`;
  const errors = file.findings.filter((finding) => finding.severity === 'error');
  const warnings = file.findings.filter((finding) => finding.severity !== 'error');
  if (errors.length === 0 && warnings.length === 0) return [`${head}/>`];
  const out = [`${head}>`];
  // A file that could not be checked at all is an error of the test, not a failed check.
  const element = file.unchecked ? 'error' : 'failure';
  for (const finding of errors) {
    out.push(
      `      <${element} ${attributes({ message: finding.message, type: finding.code })}>${escapeXmlText(findingLine(file.file, finding))}</${element}>`,
    );
  }
  if (warnings.length > 0) {
    const text = warnings.map((finding) => findingLine(file.file, finding)).join('\n');
    out.push(`      <system-out>${escapeXmlText(text)}</system-out>`);
  }
  out.push('    </testcase>');
  return out;
}

/**
 * Renders a run as a JUnit XML report: one `<testsuite>` for the run, one `<testcase>` per file,
 * one `<failure>` per error (an `<error>` when the file could not be checked at all), and the
 * warnings of a file in its `<system-out>`.
 */
export function renderJunit(run: CheckRun): string {
  const name = `k0rdent-state ${run.command}`;
  const classname = `k0rdent-state.${run.command.replace(/^-+|\s+--?/g, '.').replace(/\s+/g, '.')}`;
  const tests = run.files.length;
  const errors = run.files.filter((file) => file.unchecked).length;
  const failures = run.files.filter((file) => !file.unchecked && !file.valid).length;
  const time = seconds(run.files.reduce((sum, file) => sum + (file.timeMs ?? 0), 0));
  const counts = { tests, failures, errors, skipped: 0, time };
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes({ name, ...counts })}>`,
    `  <testsuite ${attributes({ name, ...counts })}>`,
    ...run.files.flatMap((file) => testcase(file, classname)),
    '  </testsuite>',
    '</testsuites>',
  ];
  return `${out.join('\n')}\n`;
}
