import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { ExitCode, StateError } from '../errors.js';
import { describeFsError, resolveTargetSync, syncFolder, WriteError } from './atomic.js';
import { ARCHIVE_FOLDER, backupFolderOf } from './backup-path.js';

/** The events file kept beside the state file. */
export const EVENTS_FILE = 'deployment-events.yaml';

/** `YYYY-MM-DD_HH-MM-SS` in UTC, as used in archive folder names. */
export function archiveStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace('T', '_')
    .replace(/:/g, '-');
}

/** Mode of the archive folders this tool creates: the backups in them hold private keys. */
export const ARCHIVE_MODE = 0o700;

// Longest deployment id kept whole in a folder name: with the stamp and the reason the name stays
// far under the 255 bytes a file system allows.
const MAX_ID_IN_NAME = 100;

/**
 * The deployment id as archive folder names spell it: characters other than letters, digits, `.`,
 * `_` and `-` become `_`; a leading `.` becomes `_` (a folder must not be hidden, and `..` must not
 * name the parent); an id over 100 bytes is cut to 80 and ends with 16 hex digits of its sha256, so
 * ids that differ late still get different folders. The id itself is kept inside, in the state
 * file copied there.
 */
export function archiveId(deploymentId: string): string {
  let id = deploymentId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
  if (id === '') id = '_';
  if (id.length > MAX_ID_IN_NAME) {
    id = `${id.slice(0, 80)}-${createHash('sha256').update(deploymentId).digest('hex').slice(0, 16)}`;
  }
  return id;
}

// How versions before archiveId spelled the id (a hidden `.._...` folder for `..`): still found.
function legacyArchiveId(deploymentId: string): string {
  return deploymentId.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The deployer's archive folder: `old_deployments/` beside the state folder. */
export function archiveRoot(stateFile: string): string {
  return join(dirname(dirname(stateFile)), ARCHIVE_FOLDER);
}

/** A command that writes was given a file inside `old_deployments/` (exit 1, nothing changed). */
export class BackupFileError extends StateError {
  constructor(message: string, file: string) {
    super('backup-file', message, { exitCode: ExitCode.invalid, file });
  }
}

/** Options of {@link refuseBackupFile}. */
export interface RefuseBackupOptions {
  /** The file's name in the message (default: the path). */
  displayName?: string;
  /** Folder the live file's path is shown against. */
  cwd?: string;
}

/**
 * The one check that keeps backups out of every write: throws {@link BackupFileError} when
 * `file`, or the file a symbolic link at `file` points to, lies inside an `old_deployments/`
 * folder. Migration (every mode), rollback and the runtime transaction call it before they read
 * or lock anything. Reading a backup (validate, queries) stays allowed.
 */
export async function refuseBackupFile(file: string, options: RefuseBackupOptions = {}): Promise<void> {
  const target = resolveTargetSync(file);
  const folder = backupFolderOf(file) ?? backupFolderOf(target);
  if (folder === undefined) return;
  const live = join(dirname(folder), 'state', basename(file));
  const shown = options.cwd ? relative(options.cwd, live) || live : live;
  throw new BackupFileError(
    `is a backup in ${ARCHIVE_FOLDER}/, not live state, and k0rdent-state never migrates or rewrites a backup (nothing was changed); to bring it back, run k0rdent-state rollback ${shown}, or copy it out of ${ARCHIVE_FOLDER}/ and work on the copy`,
    options.displayName ?? file,
  );
}

/**
 * Copies the state file byte for byte (mode kept), and the events file beside it when there is
 * one, into `old_deployments/<id>_<YYYY-MM-DD_HH-MM-SS>_<reason>/` (the id as {@link archiveId}
 * spells it). A folder that already exists is never reused: `-2`, `-3` … is added. Folders this
 * creates are mode 0700, whatever the umask. Returns the folder.
 */
export async function archiveState(
  stateFile: string,
  deploymentId: string,
  reason: string,
  now: Date,
  displayFile = stateFile,
): Promise<string> {
  const root = archiveRoot(stateFile);
  const base = `${archiveId(deploymentId)}_${archiveStamp(now)}_${reason}`;
  try {
    // The umask only takes bits away; chmod makes the mode exact (under umask 000 too).
    if ((await mkdir(root, { recursive: true, mode: ARCHIVE_MODE })) !== undefined) {
      await chmod(root, ARCHIVE_MODE);
    }
    let folder = join(root, base);
    for (let n = 2; ; n++) {
      try {
        await mkdir(folder, ARCHIVE_MODE);
        await chmod(folder, ARCHIVE_MODE);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        folder = join(root, `${base}-${n}`);
      }
    }
    await copyFile(stateFile, join(folder, basename(stateFile)));
    const events = join(dirname(stateFile), EVENTS_FILE);
    if (
      await stat(events).then(
        (info) => info.isFile(),
        () => false,
      )
    ) {
      await copyFile(events, join(folder, EVENTS_FILE));
    }
    await syncFolder(folder);
    await syncFolder(root);
    return folder;
  } catch (error) {
    throw new WriteError(
      'backup-failed',
      `could not be backed up to ${root}: ${describeFsError(error)}; nothing was changed, run the command again`,
      displayFile,
      error,
    );
  }
}

/** Archive folders of a deployment for a reason, newest first (by folder name). */
export async function listArchives(
  stateFile: string,
  deploymentId: string,
  reason: string,
): Promise<string[]> {
  const root = archiveRoot(stateFile);
  const ids = [...new Set([archiveId(deploymentId), legacyArchiveId(deploymentId)])];
  const pattern = new RegExp(
    `^(?:${ids.map((id) => id.replace(/[.]/g, '\\.')).join('|')})_(\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2})_${reason}(?:-(\\d+))?$`,
  );
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((entry) => entry.match)
    .sort((a, b) => {
      const byStamp = (b.match?.[1] ?? '').localeCompare(a.match?.[1] ?? '');
      return byStamp !== 0 ? byStamp : Number(b.match?.[2] ?? 1) - Number(a.match?.[2] ?? 1);
    })
    .map((entry) => join(root, entry.name));
}
