/**
 * What an adapter function gives back to the bash adapter: an exit code and an ordered list of
 * records. The adapter replays them in the calling shell: text to its standard output or error,
 * a line through the deployer's own `print_info`/`print_success`/… (so the colours and prefixes
 * are the deployer's), an entry of the caller's `WG_IPS` array, a deprecation line it prints once
 * per shell. Both ways of reaching the library (the co-process and one process per call) send
 * these same records, so a function's output and exit code cannot differ between them.
 */

/** The deployer's print helpers (etc/common-functions.sh), each one line on standard output. */
export const PRINT_KINDS = ['info', 'success', 'warning', 'error', 'header'] as const;

/** One of {@link PRINT_KINDS}. */
export type PrintKind = (typeof PRINT_KINDS)[number];

/** A record the bash adapter replays. */
export type OutputRecord =
  | { kind: 'out' | 'err'; text: string }
  | { kind: PrintKind; text: string }
  /** `WG_IPS[key]=value` in the calling shell (populate_wg_ips_array). */
  | { kind: 'wg_ip'; key: string; value: string }
  /** A deprecation line for standard error, printed once per shell for `name`. */
  | { kind: 'deprecated'; name: string; text: string };

/** The separator inside a record's text (unit separator: never in a host name or a message). */
export const FIELD_SEPARATOR = '\x1f';

/** Collects the records of one adapter function call, in order. */
export class AdapterOutput {
  readonly records: OutputRecord[] = [];

  /** Text for standard output, written as is (add the newline). */
  out(text: string): void {
    if (text !== '') this.records.push({ kind: 'out', text });
  }

  /** Text for standard error, written as is (add the newline). */
  err(text: string): void {
    if (text !== '') this.records.push({ kind: 'err', text });
  }

  /** One line through the deployer's `print_<kind>` helper (`==> text` for info). */
  print(kind: PrintKind, text: string): void {
    this.records.push({ kind, text });
  }

  /** Sets `WG_IPS[key]` in the calling shell. */
  wgIp(key: string, value: string): void {
    this.records.push({ kind: 'wg_ip', key, value });
  }

  /** A deprecation notice for `name`, which the adapter prints on standard error once per shell. */
  deprecated(name: string, text: string): void {
    this.records.push({ kind: 'deprecated', name, text });
  }

  /** Everything written to standard output, as the calling shell would show it (for tests). */
  get stdout(): string {
    return this.records.map(renderStdout).join('');
  }

  /** Everything written to standard error (for tests). */
  get stderr(): string {
    return this.records
      .map((record) =>
        record.kind === 'err' ? record.text : record.kind === 'deprecated' ? `${record.text}\n` : '',
      )
      .join('');
  }
}

// The fallback formats of the print helpers, as etc/common-functions.sh has them (without colour).
function renderStdout(record: OutputRecord): string {
  switch (record.kind) {
    case 'out':
      return record.text;
    case 'info':
      return `==> ${record.text}\n`;
    case 'success':
      return `✓ ${record.text}\n`;
    case 'warning':
      return `⚠ ${record.text}\n`;
    case 'error':
      return `✗ ${record.text}\n`;
    case 'header':
      return `\n=== ${record.text} ===\n`;
    default:
      return '';
  }
}

/**
 * Encodes a call's records and exit code as the adapter reads them: each record is two
 * NUL-terminated fields, a kind and a text; the last is `rc` and the exit code. Bash strings
 * cannot hold NUL, so a NUL inside a text (only possible from a hostile file) is dropped, as bash
 * itself would drop it.
 */
export function encodeRecords(records: readonly OutputRecord[], code: number): string {
  const parts: string[] = [];
  for (const record of records) {
    switch (record.kind) {
      case 'wg_ip':
        parts.push('wg_ip', `${record.key}${FIELD_SEPARATOR}${record.value}`);
        break;
      case 'deprecated':
        parts.push('deprecated', `${record.name}${FIELD_SEPARATOR}${record.text}`);
        break;
      default:
        parts.push(record.kind, record.text);
    }
  }
  parts.push('rc', String(code));
  return `${parts.map((part) => part.replaceAll('\0', '')).join('\0')}\0`;
}
