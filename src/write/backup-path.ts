import { resolve, sep } from 'node:path';

/**
 * Where backups live, by path alone. Kept free of other imports so that the light path of
 * `migrate --auto` (src/cli/fast-auto.ts) can ask it without loading the rest of the tool.
 */

/** The deployer's archive folder name: `old_deployments/`, beside the `state/` folder. */
export const ARCHIVE_FOLDER = 'old_deployments';

/**
 * The `old_deployments` folder a path lies inside (at any depth), or undefined. Backups are not
 * live state: no command migrates or rewrites a file in there (docs/state-format.md, section 1).
 */
export function backupFolderOf(path: string): string | undefined {
  const parts = resolve(path).split(sep);
  const index = parts.lastIndexOf(ARCHIVE_FOLDER);
  return index < 0 || index === parts.length - 1 ? undefined : parts.slice(0, index + 1).join(sep);
}
