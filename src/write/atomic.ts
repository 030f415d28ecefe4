import { randomBytes } from 'node:crypto';
import { chmod, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ExitCode, StateError } from '../errors.js';

/** Writing the new file failed; the original is untouched (exit 6). */
export class WriteError extends StateError {
  constructor(code: string, message: string, file: string, cause?: unknown) {
    super(code, message, { exitCode: ExitCode.writeFailed, file, cause });
  }
}

const TEMP_MARK = '.k0rdent-state-tmp-';

/** Name prefix of the temp files written beside `file`. */
export function tempPrefix(file: string): string {
  return `.${basename(file)}${TEMP_MARK}`;
}

/** The file a path designates, following symbolic links (so a link is kept and its target written). */
export async function resolveTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

/**
 * Removes temp files a killed writer left beside `file`. Call it while holding the lock: then
 * no live writer owns such a file.
 */
export async function removeLeftovers(file: string): Promise<string[]> {
  const folder = dirname(file);
  const prefix = tempPrefix(file);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (name.startsWith(prefix)) {
      await unlink(join(folder, name)).catch(() => undefined);
      removed.push(join(folder, name));
    }
  }
  return removed;
}

/** A one-line explanation of a file-system error for write failures. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (is the folder read-only, or owned by another user?)';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is exceeded';
    default:
      return code ?? String(error);
  }
}

/**
 * Replaces `file` with `content` atomically: a temp file in the same folder (same mode as the
 * file it replaces), fsync, rename over the file, fsync the folder. On failure the original is
 * untouched and the temp file removed.
 */
export async function writeAtomic(file: string, content: string | Uint8Array, mode?: number): Promise<void> {
  const target = await resolveTarget(file);
  const folder = dirname(target);
  let fileMode = mode;
  if (fileMode === undefined) {
    fileMode = await stat(target).then(
      (info) => info.mode & 0o7777,
      () => 0o600,
    );
  }
  const temp = join(folder, `${tempPrefix(target)}${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temp, 'wx', fileMode);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // open() applies the umask; chmod makes the mode exactly the original's.
    await chmod(temp, fileMode);
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new WriteError(
      'write-failed',
      `could not be written: ${describeFsError(error)}; the original file is unchanged`,
      file,
      error,
    );
  }
  await syncFolder(folder);
}

/** fsyncs a folder so a rename in it survives a crash (best effort where unsupported). */
export async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename itself is still atomic.
  }
}
