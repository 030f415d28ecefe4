import { copyFile, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { ExitCode, StateError } from '../errors.js';
import { describeFsError, syncFolder, WriteError } from './atomic.js';
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
  const target = await realpath(file).catch(() => file);
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
 * one, into `old_deployments/<deployment_id>_<YYYY-MM-DD_HH-MM-SS>_<reason>/`. A folder that
 * already exists is never reused: `-2`, `-3` … is added. Returns the folder.
 */
export async function archiveState(
  stateFile: string,
  deploymentId: string,
  reason: string,
  now: Date,
  displayFile = stateFile,
): Promise<string> {
  const root = archiveRoot(stateFile);
  const safeId = deploymentId.replace(/[^A-Za-z0-9._-]/g, '_');
  const base = `${safeId}_${archiveStamp(now)}_${reason}`;
  try {
    await mkdir(root, { recursive: true });
    let folder = join(root, base);
    for (let n = 2; ; n++) {
      try {
        await mkdir(folder);
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
  const safeId = deploymentId.replace(/[^A-Za-z0-9._-]/g, '_');
  const pattern = new RegExp(
    `^${safeId.replace(/[.]/g, '\\.')}_(\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2})_${reason}(?:-(\\d+))?$`,
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
