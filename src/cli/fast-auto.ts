import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import {
  AZURE_CSI_KEY,
  FLAT_FLAG_KEYS,
  INFRA_KEY_MAP,
  KOF_KEYS,
  PEERS_KEY,
  RUN_KEYS,
  RUNTIME_KEY_MAP,
  VM_STATES_KEY,
} from '../keymap.js';
import { fastParse } from '../parse/fast-yaml.js';
import { readRegularFileSync } from '../read/read-sync.js';
import { backupFolderOf } from '../write/backup-path.js';

const CURRENT_LINE = /^schema_version:[ \t]*2[ \t]*(?:#[^\n]*)?\r?$/m;
const ANY_VERSION_LINE = /^schema_version[ \t]*:/gm;
// A top-level v1 key (from the one key map) in a v2 file: an old script wrote it there, and the
// full path folds it into its v2 place.
const V1_KEY_LINE = new RegExp(
  `^(?:${[
    ...Object.keys(RUNTIME_KEY_MAP),
    ...Object.keys(INFRA_KEY_MAP),
    ...Object.keys(FLAT_FLAG_KEYS),
    ...KOF_KEYS.map((key) => `kof_${key}`),
    ...RUN_KEYS,
    AZURE_CSI_KEY,
    PEERS_KEY,
    VM_STATES_KEY,
  ].join('|')})[ \t]*:`,
  'm',
);
// The default size cap of src/read/read-file.ts (not imported, to keep this path light): a larger
// file is not read into memory here; the full path refuses it with its usual message.
const MAX_BYTES = 16 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The nothing-to-do path of `migrate --auto`, run before anything heavy is loaded: answers 0
 * when the file is missing or is a well-formed v2 state file (read by the fast YAML reader, which
 * gives up on anything it is not sure of: `schema_version: 2`, `deployment_id` and `config`), and
 * undefined whenever it is not sure, so the full path decides (and reports a malformed file, a
 * FIFO, a device, a file over the cap). Temp files a killed writer left beside the file, or an
 * event it could not append, also send it the full path, which deals with them under the lock.
 * Only plain `migrate --auto [FILE | -f FILE | --file FILE | --file=FILE]` takes this path; without
 * a file, DEPLOYMENT_STATE_FILE names it, as for the full command.
 */
export function fastAuto(
  argv: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string | undefined>> = {},
): number | undefined {
  if (argv[0] !== 'migrate' || !argv.includes('--auto')) return undefined;
  const rest = argv.slice(1).filter((arg) => arg !== '--auto');
  let named: string | undefined;
  if (rest.length === 2 && (rest[0] === '-f' || rest[0] === '--file')) named = rest[1];
  else if (rest.length === 1 && rest[0]?.startsWith('--file=')) named = rest[0].slice('--file='.length);
  else if (rest.length === 1 && !rest[0]?.startsWith('-')) named = rest[0];
  else if (rest.length > 0) return undefined;
  if (named === '' || named?.startsWith('-')) return undefined;
  const fallback = env.DEPLOYMENT_STATE_FILE ? env.DEPLOYMENT_STATE_FILE : 'state/deployment-state.yaml';
  const file = resolve(cwd, named ?? fallback);
  // A backup is refused, even when current: the full path says why.
  if (backupFolderOf(file) !== undefined) return undefined;
  try {
    lstatSync(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 0 : undefined;
  }
  // Never blocks, never reads past the cap: a FIFO or /dev/zero goes to the full path, refused.
  const bytes = readRegularFileSync(file, MAX_BYTES);
  if (bytes === undefined) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  // Cheap first: most v1 files stop here.
  if (!CURRENT_LINE.test(text) || text.includes('\0')) return undefined;
  if ((text.match(ANY_VERSION_LINE) ?? []).length !== 1) return undefined;
  if (V1_KEY_LINE.test(text)) return undefined;
  // CRLF files (saved by a Windows editor) read the same with LF line breaks; a lone CR stays and
  // sends them to the full path.
  const data = fastParse(text.includes('\r') ? text.replace(/\r\n/g, '\n') : text)?.data;
  if (data === undefined || data.schema_version !== 2 || !('deployment_id' in data) || !('config' in data)) {
    return undefined;
  }
  return needsFullPath(file) ? undefined : 0;
}

// Temp files left beside the file, or an event a killed writer could not append (same names as
// tempPrefix() in src/write/atomic.ts and pendingEventPath() in src/write/events.ts, not imported
// to keep this path light), or a link into a backup folder: the full path handles them.
function needsFullPath(file: string): boolean {
  try {
    const target = realpathSync(file);
    if (backupFolderOf(target) !== undefined) return true;
    const prefixes = [basename(target), 'deployment-events.yaml'].map(
      (name) => `.${name}.k0rdent-state-tmp-`,
    );
    prefixes.push(`.${basename(target)}.k0rdent-state-pending-event`);
    return readdirSync(dirname(target)).some((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  } catch {
    return true;
  }
}
