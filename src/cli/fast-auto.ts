import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
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

/**
 * The nothing-to-do path of `migrate --auto`, run before anything heavy is loaded: answers 0
 * when the file is missing or already v2 (one top-level `schema_version: 2` line and no other
 * `schema_version` line), and undefined whenever it is not sure, so the full path decides. Temp
 * files a killed writer left beside the file also send it the full path, which removes them under
 * the lock.
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
  let text: string;
  try {
    if (statSync(file).size > MAX_BYTES) return undefined;
    text = readFileSync(file, 'latin1');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 0 : undefined;
  }
  if (!CURRENT_LINE.test(text)) return undefined;
  if ((text.match(ANY_VERSION_LINE) ?? []).length !== 1) return undefined;
  if (V1_KEY_LINE.test(text)) return undefined;
  return needsFullPath(file) ? undefined : 0;
}

// Temp files left beside the file (same names as tempPrefix() in src/write/atomic.ts, not
// imported to keep this path light), or a link into a backup folder: the full path handles both.
function needsFullPath(file: string): boolean {
  try {
    const target = realpathSync(file);
    if (backupFolderOf(target) !== undefined) return true;
    const prefixes = [basename(target), 'deployment-events.yaml'].map(
      (name) => `.${name}.k0rdent-state-tmp-`,
    );
    return readdirSync(dirname(target)).some((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  } catch {
    return true;
  }
}
