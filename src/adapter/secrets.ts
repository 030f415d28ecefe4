import { redactSecrets } from '../runtime/values.js';

/** A copy of a value for display, every secret inside replaced by `<redacted>`. */
export function redactForDisplay(value: unknown, path: readonly string[]): unknown {
  return redactSecrets(value, path);
}
