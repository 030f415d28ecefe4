import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const CURRENT_LINE = /^schema_version:[ \t]*2[ \t]*(?:#[^\n]*)?\r?$/m;
const ANY_VERSION_LINE = /^schema_version[ \t]*:/gm;

/**
 * The nothing-to-do path of `migrate --auto`, run before anything heavy is loaded: answers 0
 * when the file is missing or already v2 (one top-level `schema_version: 2` line and no other
 * `schema_version` line), and undefined whenever it is not sure, so the full path decides.
 * Only plain `migrate --auto [FILE]` takes this path.
 */
export function fastAuto(argv: readonly string[], cwd: string): number | undefined {
  if (argv[0] !== 'migrate' || !argv.includes('--auto')) return undefined;
  const rest = argv.slice(1).filter((arg) => arg !== '--auto');
  if (rest.length > 1 || rest.some((arg) => arg.startsWith('-'))) return undefined;
  const file = resolve(cwd, rest[0] ?? 'state/deployment-state.yaml');
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 0 : undefined;
  }
  if (!CURRENT_LINE.test(text)) return undefined;
  return (text.match(ANY_VERSION_LINE) ?? []).length === 1 ? 0 : undefined;
}
