import { LATEST_VERSION } from '../version.js';

/** The one line a script sees when a file was migrated (or repaired) on its way. */
export function migratedNotice(file: string, fromVersion: number, backup: string | null | undefined): string {
  return fromVersion === LATEST_VERSION
    ? `k0rdent-state: repaired ${file}: v1 keys an old script wrote were folded into their v2 places; original saved in ${backup}`
    : `k0rdent-state: migrated ${file} from v${fromVersion} to v${LATEST_VERSION}; original saved in ${backup}`;
}
