/**
 * Reading the files Terraform leaves (outputs, state files, the backend record, the workspace
 * name): regular files only, under a size cap, decoded from UTF-8 (or the UTF-16 PowerShell writes),
 * each failure a `terraform-*` error naming the file and the fix.
 */

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode } from '../errors.js';
import { NotARegularFileError, readRegularFile } from '../read/read-file.js';
import { TERRAFORM_MAX_BYTES, TerraformError } from './common.js';

const MAX_BYTES = TERRAFORM_MAX_BYTES;

/** Reads a text file Terraform left; a missing one is `terraform-file-not-found` (exit 3) with `fix`. */
export async function readText(file: string, cwd: string, fix: string): Promise<string> {
  const text = await readTextIfExists(file, cwd, fix);
  if (text === undefined) {
    throw new TerraformError('terraform-file-not-found', `no such file; ${fix}`, {
      exitCode: ExitCode.unreadable,
      file,
    });
  }
  return text;
}

/** Reads a text file Terraform left, or undefined when it does not exist; other failures throw. */
export async function readTextIfExists(file: string, cwd: string, fix: string): Promise<string | undefined> {
  const path = resolve(cwd, file);
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, MAX_BYTES);
  } catch (error) {
    if (error instanceof NotARegularFileError) {
      if (error.reason === 'too-large') {
        throw new TerraformError(
          'terraform-file-too-large',
          `is over ${MAX_BYTES / 1024 / 1024} MiB; ${fix}`,
          {
            exitCode: ExitCode.unreadable,
            file,
          },
        );
      }
      // A FIFO (`--outputs <(terraform output -json)`) or a device is never read: it could
      // block for ever or never end. Standard input is read with a cap instead.
      throw new TerraformError(
        'terraform-not-a-file',
        error.reason === 'directory'
          ? `is a directory, not a file; ${fix}`
          : `is ${error.kind}, not a regular file; pipe it instead (terraform output -json | k0rdent-state infra sync --outputs -), or ${fix}`,
        { exitCode: ExitCode.unreadable, file },
      );
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new TerraformError(
      'terraform-read-failed',
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied; run as the user that ran terraform'
        : `cannot be read (${code ?? String(error)})`,
      { exitCode: ExitCode.unreadable, file, cause: error },
    );
  }
  return decode(bytes, file);
}

/** Refuses (`terraform-file-not-found`, exit 3) a `--terraform-dir` that is not a folder. */
export async function requireDirectory(dir: string, cwd: string): Promise<void> {
  try {
    if ((await stat(resolve(cwd, dir))).isDirectory()) return;
  } catch {
    // Reported below.
  }
  throw new TerraformError(
    'terraform-file-not-found',
    'no such folder; pass the folder `terraform init` ran in with --terraform-dir',
    { exitCode: ExitCode.unreadable, file: dir },
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(bytes: Buffer, file: string): string {
  // PowerShell 5 redirects `terraform output -json > FILE` as UTF-16LE with a byte-order mark.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new TerraformError(
      'terraform-not-utf8',
      'is not UTF-8 text, so it is not JSON from Terraform; regenerate it',
      {
        exitCode: ExitCode.unreadable,
        file,
        cause: error,
      },
    );
  }
}
