import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeFsError, syncFolder, WriteError } from './atomic.js';

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
  return join(dirname(dirname(stateFile)), 'old_deployments');
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
