import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Largest `terraform output -json` read (a state file's outputs are far smaller). */
export const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** What running `terraform output -json` gave. */
export type TerraformRun = { ok: true; text: string } | { ok: false; reason: string };

/** True when `dir` is a Terraform working folder `terraform init` ran in (it has `.terraform/`). */
export function isInitialised(dir: string): boolean {
  return existsSync(join(dir, '.terraform'));
}

/**
 * Runs `terraform -chdir=DIR output -json` with the given binary (no input, no colour, a time
 * limit and a size cap) and returns what it printed, or why it could not: the exit status and the
 * first line of its error output. The caller decides on a fallback (the local state file).
 */
export function terraformOutputJson(bin: string, dir: string, timeoutMs = 120_000): Promise<TerraformRun> {
  return new Promise((resolve) => {
    execFile(
      bin,
      [`-chdir=${dir}`, 'output', '-json', '-no-color'],
      {
        encoding: 'utf8',
        maxBuffer: MAX_OUTPUT_BYTES,
        timeout: timeoutMs,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ ok: true, text: stdout });
          return;
        }
        // Terraform frames its diagnostics with box-drawing characters (│ ╷ ╵), written as escapes
        // to keep the bundle ASCII (bin/load.js).
        const first = String(stderr ?? '')
          .split('\n')
          .map((line) => line.replace(/[\u2502\u2577\u2575]/g, '').trim())
          .find((line) => line !== '' && !/^Error:?$/.test(line));
        const code = (error as NodeJS.ErrnoException & { code?: unknown }).code;
        resolve({
          ok: false,
          reason:
            code === 'ENOENT'
              ? `${bin} was not found`
              : `terraform output -json exited ${typeof code === 'number' ? code : 'with an error'}${first ? `: ${first}` : ''}`,
        });
      },
    );
  });
}
