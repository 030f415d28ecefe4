import { fastParse, LineIndex, locateFast } from '../parse/fast-yaml.js';
import { secretScrubber } from '../secrets.js';
import { LATEST_VERSION } from '../version.js';
import { v1Warnings, v2Invariants } from './invariants.js';
import { pointerSegments } from './pointer.js';
import { compareProblems, type Problem, type UnplacedProblem } from './problem.js';
import { schemaProblems } from './schema.js';

/**
 * The validation that needs no YAML library: plain data against a version's schema and
 * invariants, and whole texts read by the fast reader. Loads neither `yaml` nor a schema
 * compiler, so checking many files starts quickly.
 */

/**
 * Schema and invariant problems of plain data, without source positions. No message repeats a
 * secret of the data (src/secrets.ts), even one reached under another key through a YAML alias.
 */
export function validateData(data: unknown, version: number): UnplacedProblem[] {
  const problems = schemaProblems(data, version);
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const record = data as Record<string, unknown>;
    problems.push(...(version === 1 ? v1Warnings(record) : v2Invariants(record)));
  }
  if (problems.length === 0) return problems;
  const scrub = secretScrubber(data);
  return problems.map((problem) => ({ ...problem, message: scrub(problem.message) }));
}

/** Options of {@link validateTextFast}. */
export interface FastValidateOptions {
  /** Validate against this version's schema instead of the detected one. */
  version?: number;
  /** Report warnings as errors. */
  strict?: boolean;
}

/** What {@link validateTextFast} found (the shape of `ValidationResult` in validate.ts). */
export interface FastValidation {
  version: number;
  problems: Problem[];
  valid: boolean;
}

/**
 * Validates a state file's text with the fast reader. Gives exactly what parseState and
 * validateParsed give, or undefined whenever it cannot be sure: text outside the reader's subset,
 * a file that is not a state file or has an unknown version (those errors need the full path), or
 * a problem whose position only the YAML library knows. Callers then take the full path.
 */
export function validateTextFast(
  text: string,
  options: FastValidateOptions = {},
): FastValidation | undefined {
  const parsed = fastParse(text);
  if (!parsed) return undefined;
  const { data } = parsed;
  let version = options.version;
  if (version === undefined) {
    // detectVersion's successful cases; everything else is an error it reports with a position.
    if (!('deployment_id' in data) || !('config' in data)) return undefined;
    const raw = data.schema_version;
    if (raw === undefined) version = 1;
    else if (raw === 1 || raw === LATEST_VERSION) version = raw;
    else return undefined;
  }
  const unplaced = validateData(data, version);
  if (unplaced.length === 0) return { version, problems: [], valid: true };
  // Rare: read again with source ranges to place the problems.
  const root = fastParse(text, { nodes: true })?.root;
  if (!root) return undefined;
  const lines = new LineIndex(text);
  const problems: Problem[] = [];
  for (const problem of unplaced) {
    const range = locateFast(root, pointerSegments(problem.pointer), lines, problem.atKey);
    if (!range) return undefined;
    problems.push({
      severity: options.strict === true ? 'error' : problem.severity,
      code: problem.code,
      message: problem.message,
      pointer: problem.pointer,
      ...range,
    });
  }
  problems.sort(compareProblems);
  return { version, problems, valid: problems.every((problem) => problem.severity !== 'error') };
}

/** The full path of {@link validateTextFast}: parseState and validateParsed, loaded when needed. */
export async function validateTextFull(
  text: string,
  file: string,
  options: FastValidateOptions = {},
): Promise<FastValidation> {
  const [{ parseState }, { validateParsed }] = await Promise.all([
    import('../parse/parse.js'),
    import('./validate.js'),
  ]);
  return validateParsed(parseState(text, file), options);
}
