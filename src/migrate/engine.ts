import { createHash } from 'node:crypto';
import { type Document, isCollection, isScalar, type Node, visit } from 'yaml';
import { CHAINS, REPAIRS } from '../../migrations/index.js';
import { ExitCode, StateError } from '../errors.js';
import type { DecodedText } from '../parse/decode.js';
import { detectVersion, type ParsedState, parseState } from '../parse/parse.js';
import { knownSecrets, redactValue, scrubText } from '../secrets.js';
import { pointerSegments } from '../validate/positions.js';
import type { Problem } from '../validate/problem.js';
import { dotted } from '../validate/schema.js';
import { validateParsed, validateTextFast } from '../validate/validate.js';
import { LATEST_VERSION, TOOL_VERSION } from '../version.js';
import { settleComments, watchComments } from './comments.js';
import { serialize } from './serialize.js';
import type { Change, MigrationChain, StepContext, StepWarning } from './types.js';

/** Options of {@link migrateParsed}. */
export interface MigrateOptions {
  /** The migration time; pin it for reproducible output. */
  now: Date;
  /** sha256 (hex) of the input bytes; computed from the text when omitted. */
  inputSha256?: string;
  /** Tool version recorded in migrations_applied (default: this package's version). */
  toolVersion?: string;
}

/** The outcome of migrating one document. */
export interface MigrationResult {
  /** False when the file was already the latest version (nothing to do). */
  changed: boolean;
  fromVersion: number;
  toVersion: number;
  /** The chains applied, in order. */
  chains: MigrationChain[];
  /** Every change, in the order the steps made them. */
  changes: Change[];
  /** Data-quality remarks: step warnings and the v2 warnings of the result. */
  warnings: StepWarning[];
  /** Warnings of the result placed in the new text. */
  problems: Problem[];
  /** The new file's text (line endings and byte-order mark as the input had them). */
  text: string;
  /** sha256 (hex) of the input. */
  inputSha256: string;
}

/** Migration was refused or failed; nothing was written (exit 1). */
export class MigrationError extends StateError {
  /** Every problem that stopped the migration, placed in the file they are about. */
  readonly problems: Problem[];
  /** The step that failed, when one did. */
  readonly step: string | undefined;

  constructor(
    code: string,
    message: string,
    options: {
      file?: string;
      problems?: Problem[];
      step?: string;
      position?: { line: number; col: number };
      cause?: unknown;
    },
  ) {
    super(code, message, { ...options, exitCode: ExitCode.invalid });
    this.problems = options.problems ?? [];
    this.step = options.step;
  }
}

// In a module of their own so that writing a v2 file loads no migration (see src/runtime/transaction.ts).
export { serialize, YAML_OUTPUT_OPTIONS } from './serialize.js';

/** sha256 (hex) of bytes or text. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The repairs a file at the newest version needs (see {@link REPAIRS}); empty for most files. */
export function repairsFor(data: Readonly<Record<string, unknown>>): MigrationChain[] {
  return REPAIRS.filter((repair) => repair.needed(data));
}

export { needsMigration } from './needs.js';

/** The chains that lead from `version` to the newest version, in order. */
export function chainsFrom(version: number): MigrationChain[] {
  const chains: MigrationChain[] = [];
  let at = version;
  while (at < LATEST_VERSION) {
    const chain = CHAINS.find((candidate) => candidate.from === at);
    if (!chain) throw new RangeError(`no migration chain from version ${at}`);
    chains.push(chain);
    at = chain.to;
  }
  return chains;
}

/**
 * Migrates a parsed state file to the newest version, editing its Document in place. The
 * input is validated against its own schema first and the result against the newest schema and
 * the invariants last; if either fails a {@link MigrationError} names the step and the path.
 */
export function migrateParsed(
  parsed: ParsedState,
  encoding: DecodedText,
  options: MigrateOptions,
): MigrationResult {
  const fromVersion = detectVersion(parsed);
  const inputSha256 = options.inputSha256 ?? sha256(`${encoding.bom ? '\ufeff' : ''}${encoding.text}`);
  const base = { fromVersion, toVersion: LATEST_VERSION, inputSha256 };
  const repairs = fromVersion === LATEST_VERSION ? repairsFor(parsed.data) : [];
  if (fromVersion === LATEST_VERSION && repairs.length === 0) {
    return {
      ...base,
      changed: false,
      chains: [],
      changes: [],
      warnings: [],
      problems: [],
      text: parsed.text,
    };
  }

  // A file to repair is invalid v2 by definition (that is what the repair is for): not checked.
  const input = repairs.length > 0 ? { problems: [] } : validateParsed(parsed, { version: fromVersion });
  const inputErrors = input.problems.filter((problem) => problem.severity === 'error');
  if (inputErrors.length > 0) {
    throw new MigrationError(
      'input-invalid',
      `cannot migrate: the file is not valid v${fromVersion} (${inputErrors.length} problem${inputErrors.length === 1 ? '' : 's'} listed above); fix them, then run migrate again`,
      { file: parsed.file, problems: inputErrors },
    );
  }

  const chains = repairs.length > 0 ? repairs : chainsFrom(fromVersion);
  const changes: Change[] = [];
  const warnings: StepWarning[] = [];
  // Every secret of the input, to mask wherever it shows up in the report (an alias of a key).
  const known = knownSecrets(parsed.data);
  // Only an alias (`*name`) needs writing out: a text without `*` has none. Before the comments
  // are watched, so that they are watched where they will be.
  if (parsed.text.includes('*')) writeOutAliases(parsed.doc);
  const comments = watchComments(parsed.doc, parsed.text);
  for (const chain of chains) {
    for (const step of chain.steps) {
      const context: StepContext = {
        now: options.now,
        toolVersion: options.toolVersion ?? TOOL_VERSION,
        inputSha256,
        chainId: chain.id,
        stepIds: chain.steps.map((s) => s.id),
        warn: (code, path, message) => warnings.push({ step: step.id, code, path, message }),
      };
      try {
        changes.push(...step.apply(parsed.doc, context));
      } catch (error) {
        throw new MigrationError(
          'step-failed',
          `cannot migrate: step ${step.id} failed (${scrubText((error as Error).message, known)}); nothing was written: check the file with k0rdent-state validate`,
          { file: parsed.file, step: step.id, cause: error },
        );
      }
    }
  }

  warnings.push(...settleComments(parsed.doc, comments));
  const text = serialize(parsed.doc, encoding);
  // The written text is read back and checked: by the fast reader when it can (the same result
  // as parsing it again, in a fraction of the time), else by parseState.
  const written = text.replace(/^\ufeff/, '');
  const result =
    validateTextFast(written, { version: LATEST_VERSION }) ??
    validateParsed(parseState(written, parsed.file), { version: LATEST_VERSION });
  const outputErrors = result.problems.filter((problem) => problem.severity === 'error');
  if (outputErrors.length > 0) {
    const first = outputErrors[0] as Problem;
    const step = stepFor(first.pointer, changes);
    throw new MigrationError(
      'output-invalid',
      `cannot migrate: step ${step} produced an invalid v${LATEST_VERSION} file at ${dotted(first.pointer)} (${first.message}${outputErrors.length > 1 ? `; ${outputErrors.length - 1} more` : ''}); nothing was written: please report this`,
      { file: parsed.file, step },
    );
  }
  for (const problem of result.problems) {
    warnings.push({
      step: 'validate',
      code: problem.code,
      path: dotted(problem.pointer),
      message: problem.message,
    });
  }
  return {
    ...base,
    changed: true,
    chains,
    changes: changes.map((change) => ({ ...change, value: redactValue(change.value, { known }) })),
    warnings: warnings.map((warning) => ({ ...warning, message: scrubText(warning.message, known) })),
    problems: result.problems,
    text,
  };
}

/**
 * Writes every YAML alias out as a copy of the node it refers to, and drops the anchors: the
 * steps move keys into the v2 order, which can put an alias before its anchor, and YAML allows
 * an alias only after it. The values stay the same (a state file needs no aliases).
 */
function writeOutAliases(doc: Document): void {
  visit(doc, {
    Alias(_key, alias) {
      const target = alias.resolve(doc);
      const copy = target ? (target.clone() as Node) : (doc.createNode(null) as Node);
      // The copy takes the alias's comments, not a second copy of the anchored node's.
      copy.comment = alias.comment;
      copy.commentBefore = alias.commentBefore;
      return copy;
    },
  });
  visit(doc, {
    Node(_key, node) {
      if ((isScalar(node) || isCollection(node)) && node.anchor) node.anchor = undefined;
    },
  });
}

// The last step whose change wrote at or above the path; finalize-v2 when none did.
function stepFor(pointer: string, changes: readonly Change[]): string {
  const path = pointerSegments(pointer).join('.');
  for (let i = changes.length - 1; i >= 0; i--) {
    const to = (changes[i] as Change).to;
    if (to !== null && (path === to || path.startsWith(`${to}.`) || to.startsWith(`${path}.`))) {
      return (changes[i] as Change).step;
    }
  }
  return CHAINS.at(-1)?.steps.at(-1)?.id ?? 'unknown';
}
