/**
 * The secret rule: which values of a state file are secrets, and how every output of this tool
 * masks them. One rule for every output path (migration reports and their diff, validation and
 * error messages, `get`, `vm info`, `history`, `show-run`, `compare-runs`, the bash adapter's
 * readers), so that no path can print what another hides.
 *
 * - A **secret key** is a mapping key named `private_key`, `password`, `passphrase`, `secret` or
 *   `token`, or ending in `_` plus one of these (`ssh_private_key`, `admin_password`,
 *   `client_secret`, `sas_token`), or one of the credential keys `access_key`, `secret_key`,
 *   `account_key`, `shared_key`, `api_key` (alone or as a suffix), in any letter case. The value
 *   under a secret key is a secret, whatever its type (a map under `private_key` is secret whole).
 *   `public_key`, `ssh_key` (the status of the SSH key resource) and `keys_generated` are not.
 * - A **sensitive output** is a mapping with `sensitive: true` (how `infra sync` stores a Terraform
 *   output declared sensitive): the whole mapping is a secret.
 * - A **known secret** is a text of at least {@link MIN_SECRET_LENGTH} characters found as a secret
 *   (or inside one) in the file being shown. The same text anywhere else in the output (a YAML alias
 *   of the key, a copy under another name, an error message that quotes it) is masked too.
 *
 * A secret is shown as {@link REDACTED}; a secret key whose value is null or absent is shown as
 * null (there is nothing to hide, and "no key yet" is worth seeing). YAML text is masked by node
 * ranges in `secrets-yaml.ts` (kept apart only because it needs the YAML library, which the fast
 * paths that use this rule must not load). Values given on the command line are never repeated
 * in a message ({@link describeInput}). Terraform backend settings have their own, stricter rule,
 * applied when they are read ({@link cleanBackendConfig}).
 *
 * This module loads nothing: the fast validator uses it.
 */

/** What a secret is shown as. */
export const REDACTED = '<redacted>';

/**
 * Shortest text scrubbed as a known secret wherever it appears: shorter ones are too likely to
 * occur by chance in other output (they are still masked where they are stored).
 */
export const MIN_SECRET_LENGTH = 8;

const SECRET_KEY =
  /(?:^|_)(?:private_key|password|passphrase|secret|token|access_key|secret_key|account_key|shared_key|api_key)$/i;

// Answers of isSecretKey already given, by key (see there).
const secretKeyAnswers = new Map<string, boolean>();
const MAX_REMEMBERED_KEYS = 4096;
const MAX_REMEMBERED_KEY = 200;

/**
 * True for a mapping key whose value is a secret (see the module comment for the names). A value
 * the migration carried to `unrecognized` is named by its dotted v1 path, with ` (2)` when that
 * name was taken (`wireguard_peers.hub.private_key (2)`): its last segment decides.
 */
export function isSecretKey(key: string | number | null | undefined): boolean {
  if (typeof key !== 'string') return false;
  // A file has a few dozen key names, each asked about once per value: knownSecrets walks every
  // key of a file, and `validate` of a batch walks every file with a problem to report. The
  // answer of each short name is kept (bounded; the rule below decides it the first time).
  const known = secretKeyAnswers.get(key);
  if (known !== undefined) return known;
  const name = key.replace(/ \(\d+\)$/, '');
  const answer = SECRET_KEY.test(name.slice(name.lastIndexOf('.') + 1));
  if (key.length <= MAX_REMEMBERED_KEY) {
    if (secretKeyAnswers.size >= MAX_REMEMBERED_KEYS) secretKeyAnswers.clear();
    secretKeyAnswers.set(key, answer);
  }
  return answer;
}

/** True for a sensitive output: a mapping with `sensitive: true` (never show its value). */
export function isSensitiveOutput(value: unknown): value is { sensitive: true; value?: unknown } {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    (value as { sensitive?: unknown }).sensitive === true
  );
}

/** True when a value found under `key` is a secret: a secret key, or a sensitive output. */
export function isSecretEntry(key: string | number | null | undefined, value: unknown): boolean {
  return isSecretKey(key) || isSensitiveOutput(value);
}

/**
 * True when the value at `path` (segments from the root of `data`) is a secret or lies inside
 * one: a segment on the way is a secret key, a value on the way is a sensitive output, or the
 * value is a known secret of `data` (a copy of a key under another name; pass `known` when
 * already computed).
 */
export function isSecretPath(
  data: unknown,
  path: readonly (string | number)[],
  known?: ReadonlySet<string>,
): boolean {
  let node: unknown = data;
  for (const segment of path) {
    node = ownChild(node, segment);
    if (isSecretEntry(String(segment), node)) return true;
  }
  return typeof node === 'string' && (known ?? knownSecrets(data)).has(node);
}

/** The own child `segment` of a map or list (never an inherited property such as `constructor`). */
export function ownChild(node: unknown, segment: string | number): unknown {
  if (node === null || typeof node !== 'object') return undefined;
  const key = String(segment);
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

/**
 * Every known secret of `data`: the texts (of at least {@link MIN_SECRET_LENGTH} characters)
 * under a secret key or inside a sensitive output, at any depth.
 */
export function knownSecrets(data: unknown): Set<string> {
  const secrets = new Set<string>();
  const seen = new WeakSet<object>();
  const collect = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
    } else if (value !== null && typeof value === 'object' && !seen.has(value)) {
      seen.add(value);
      for (const item of Object.values(value)) collect(item);
    }
  };
  const walked = new WeakSet<object>();
  const walk = (value: unknown, key: string | undefined): void => {
    // A scalar (most values) is a secret only under a secret key: a sensitive output is a
    // mapping. Told without the mapping checks, and the walk goes by keys and index rather than
    // Object.entries pairs: `validate` walks every file it has a problem to report in.
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH && isSecretKey(key))
        secrets.add(value);
      return;
    }
    if (isSecretEntry(key, value)) {
      collect(value);
      return;
    }
    if (walked.has(value)) return;
    walked.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) walk(value[i], undefined);
    } else {
      const record = value as Record<string, unknown>;
      const names = Object.keys(record);
      for (let i = 0; i < names.length; i++) walk(record[names[i] as string], names[i]);
    }
  };
  walk(data, undefined);
  return secrets;
}

/** Options of {@link redactValue}. */
export interface RedactOptions {
  /** The key the value is found under (its own name decides too). */
  key?: string | number;
  /** Known secrets (see {@link knownSecrets}): a text equal to one is masked wherever it is. */
  known?: ReadonlySet<string>;
  /** What a secret becomes (default: {@link REDACTED}); history keeps the raw value to compare. */
  mask?: (secret: unknown) => unknown;
}

/**
 * A copy of `value` with every secret inside replaced (by {@link REDACTED}, or what `mask` gives):
 * values under secret keys, sensitive outputs, and texts equal to a known secret.
 */
export function redactValue(value: unknown, options: RedactOptions = {}): unknown {
  const mask = options.mask ?? (() => REDACTED);
  const known = options.known;
  const visit = (item: unknown, key: string | number | undefined): unknown => {
    if (isSecretEntry(key, item)) return item === null || item === undefined ? item : mask(item);
    if (typeof item === 'string') return known?.has(item) ? mask(item) : item;
    if (Array.isArray(item)) return item.map((element) => visit(element, undefined));
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([name, child]) => [name, visit(child, name)]));
    }
    return item;
  };
  return visit(value, options.key);
}

/**
 * A copy of a value with every secret inside replaced by {@link REDACTED}; with `state`, also
 * every text equal to a secret stored anywhere in it (a YAML alias of a key, a copy under another
 * name). The library's public form of {@link redactValue}: `path` is where the value was found.
 */
export function redactSecrets(value: unknown, path: readonly string[] = [], state?: unknown): unknown {
  return redactValue(value, {
    key: path.at(-1),
    known: state === undefined ? undefined : knownSecrets(state),
  });
}

/**
 * A value found at `path` of a state file as an output prints it (`get`, `vm info`, the adapter's
 * readers): secrets masked by {@link redactValue} with every secret of the file `known` (so an
 * alias of a key, or a run's error message that quotes one, is masked too), backend settings
 * cleaned of credentials an older version may have stored, then written by `format` (text, JSON,
 * yq's YAML) and scrubbed of any known secret left in the text.
 */
export function shownValue(
  path: readonly (string | number)[],
  value: unknown,
  known: ReadonlySet<string>,
  format: (value: unknown) => string,
): string {
  const masked = redactValue(value, { key: path.at(-1), known });
  const cleaned = path[0] === 'terraform_backend' ? cleanBackendConfig(masked) : masked;
  return scrubText(format(cleaned), known);
}

/**
 * Stands in for a secret in a value that is compared before it is shown (`compare-runs`): shown
 * (and written as JSON) as {@link REDACTED}, but still holding the real value, so that a changed
 * secret can be told from an unchanged one without printing either.
 */
export class Redacted {
  /** @param raw the secret it stands for (never printed) */
  constructor(readonly raw: unknown) {}

  /** What JSON shows: {@link REDACTED}. */
  toJSON(): string {
    return REDACTED;
  }
}

/** A copy of `value` with every secret inside replaced by a {@link Redacted} stand-in. */
export function redactComparable(value: unknown): unknown {
  return redactValue(value, { mask: (secret) => new Redacted(secret) });
}

/**
 * A copy of a JSON value with every text inside through `scrub` (a secret quoted in free text)
 * and every {@link Redacted} stand-in replaced by {@link REDACTED}.
 */
export function scrubDeep(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value instanceof Redacted) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, scrub));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubDeep(item, scrub)]));
  }
  return value;
}

/**
 * A comment's text as a message may quote it: a private key pasted into a comment is never
 * repeated, so every run of 20 or more base64 characters becomes {@link REDACTED} (the comment is
 * not a value, so no key decides; the length is what a key looks like).
 */
export function maskPastedKeys(comment: string): string {
  return comment.replace(/[A-Za-z0-9+/=]{20,}/g, REDACTED);
}

/**
 * A copy of the value found at `path`, masked as {@link redactValue} does; the whole value is
 * masked when a segment of the path is a secret key (it lies inside a secret).
 */
export function redactAt(
  path: readonly (string | number)[],
  value: unknown,
  known?: ReadonlySet<string>,
): unknown {
  if (value !== null && value !== undefined && path.some((segment) => isSecretKey(String(segment)))) {
    return REDACTED;
  }
  return redactValue(value, { key: path.at(-1), known });
}

// Up to this many known secrets, scrubText first looks for each with includes().
const FEW_SECRETS = 16;

/**
 * Replaces every occurrence of a known secret in free text (an error message, a run's error, a
 * comment, a whole YAML text) with {@link REDACTED}, the longest first where two start at the same
 * place. One pass over the text whatever the number of secrets (a rolling hash of the first
 * {@link MIN_SECRET_LENGTH} characters finds the candidates), so a file with thousands of peer
 * keys costs what a file with one does.
 */
export function scrubText(text: string, known: ReadonlySet<string>): string {
  const width = MIN_SECRET_LENGTH;
  if (known.size === 0 || text.length < width) return text;
  // A state file's handful of secrets: one native substring search each tells whether there is
  // anything to mask at all (for most texts, a validation message, there is not), without the
  // table and the rolling hash, which pay for themselves with many secrets (history).
  if (known.size <= FEW_SECRETS) {
    let any = false;
    for (const secret of known) {
      if (secret.length >= width && text.includes(secret)) {
        any = true;
        break;
      }
    }
    if (!any) return text;
  }
  const byHash = new Map<number, string[]>();
  for (const secret of known) {
    if (secret.length < width) continue;
    const hash = windowHash(secret, 0);
    const list = byHash.get(hash) ?? [];
    list.push(secret);
    byHash.set(hash, list);
  }
  for (const list of byHash.values()) list.sort((a, b) => b.length - a.length);
  let out = '';
  let copied = 0;
  let i = 0;
  let hash = windowHash(text, 0);
  while (i + width <= text.length) {
    const found = byHash.get(hash)?.find((secret) => text.startsWith(secret, i));
    if (found !== undefined) {
      out += text.slice(copied, i) + REDACTED;
      i += found.length;
      copied = i;
      if (i + width <= text.length) hash = windowHash(text, i);
      continue;
    }
    if (i + width < text.length) {
      hash =
        (Math.imul(hash - Math.imul(text.charCodeAt(i), HASH_TOP), HASH_BASE) + text.charCodeAt(i + width)) |
        0;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const HASH_BASE = 131;
// HASH_BASE to the power MIN_SECRET_LENGTH - 1, in 32-bit arithmetic: the weight of a window's
// first character, taken out when the window moves on.
const HASH_TOP = Array.from({ length: MIN_SECRET_LENGTH - 1 }).reduce<number>(
  (power) => Math.imul(power, HASH_BASE),
  1,
);

// The 32-bit polynomial hash of the MIN_SECRET_LENGTH characters of `text` from `start`.
function windowHash(text: string, start: number): number {
  let hash = 0;
  for (let k = 0; k < MIN_SECRET_LENGTH; k++)
    hash = (Math.imul(hash, HASH_BASE) + text.charCodeAt(start + k)) | 0;
  return hash;
}

/** A function that scrubs, in any text, every known secret of `data` (see {@link scrubText}). */
export function secretScrubber(data: unknown): (text: string) => string {
  const known = knownSecrets(data);
  return (text) => scrubText(text, known);
}

/**
 * How a message names a value given on the command line or standard input, which it never
 * repeats (it may be a secret given under the wrong key, or with a typo in the JSON): its length,
 * e.g. `the value (44 characters)`.
 */
export function describeInput(raw: string, what = 'the value'): string {
  const length = [...raw].length;
  return `${what} (${length} character${length === 1 ? '' : 's'})`;
}

// ---------------------------------------------------------------------------------------------
// Terraform backend settings

// Settings of the azurerm and s3 backends that are credentials, and name patterns that are.
const SECRET_SETTINGS = new Set([
  'access_key',
  'secret_key',
  'sas_token',
  'token',
  'client_secret',
  'client_certificate',
  'client_certificate_password',
  'oidc_token',
  'oidc_request_token',
  'web_identity_token',
  'sse_customer_key',
  'external_id',
]);
const SECRET_SETTING = /_key$|(?:^|_)(?:password|passphrase|secret|token)$/i;
// `Name=value` parts of a connection string (Azure storage, service bus) that are credentials.
const CONNECTION_SECRET =
  /(?:^|;)\s*(?:AccountKey|SharedAccessSignature|SharedAccessKey|SharedSecret|Password|Pwd|ClientSecret|Token|Signature|Secret)\s*=/i;
// Query parameters of a URL that carry a credential (an Azure SAS signature, AWS presigned URLs).
const SECRET_QUERY =
  /^(?:sig|signature|token|access_token|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;

/** True for a backend setting that is a credential: dropped when read, never stored. */
export function isSecretBackendSetting(name: string): boolean {
  return SECRET_SETTINGS.has(name) || SECRET_SETTING.test(name) || isSecretKey(name);
}

/**
 * A backend setting's text without its credentials: a URL loses its user and password
 * (`https://user:pass@host` → `https://host`) and credential query parameters (`sig=`,
 * `X-Amz-Signature=`, ...); a connection string loses its credential parts (`AccountKey=...`,
 * `SharedAccessSignature=...`, ...). Any other text is returned as it is.
 */
export function cleanSettingText(text: string): string {
  let out = text;
  if (CONNECTION_SECRET.test(out) && out.includes('=')) {
    out = out
      .split(';')
      .filter((part) => !CONNECTION_SECRET.test(`;${part}`))
      .join(';');
  }
  // Every URL in the text (a list of endpoints may be one string).
  return out.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s,;"'<>]+/gi, (candidate) => {
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      return candidate;
    }
    let changed = false;
    if (url.username !== '' || url.password !== '') {
      url.username = '';
      url.password = '';
      changed = true;
    }
    for (const name of [...url.searchParams.keys()]) {
      if (SECRET_QUERY.test(name)) {
        url.searchParams.delete(name);
        changed = true;
      }
    }
    if (!changed) return candidate;
    // URL adds a `/` to a bare host; keep the setting as it was written otherwise.
    const cleaned = url.toString();
    return !candidate.endsWith('/') && cleaned.endsWith('/') && url.pathname === '/' && url.search === ''
      ? cleaned.slice(0, -1)
      : cleaned;
  });
}

/**
 * A backend's settings as they may be stored and shown: null settings left out, credential
 * settings (see {@link isSecretBackendSetting}) dropped at any depth, and credentials removed from
 * the text of the others (see {@link cleanSettingText}).
 */
export function cleanBackendConfig(value: unknown): unknown {
  if (typeof value === 'string') return cleanSettingText(value);
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(cleanBackendConfig);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, item]) => item !== null && item !== undefined && !isSecretBackendSetting(key))
      .map(([key, item]) => [key, cleanBackendConfig(item)]),
  );
}
