/**
 * k0rdent-state as a library: read, validate, migrate and update the k0rdent deployer's
 * `state/deployment-state.yaml`. The library never prints and never exits; every problem with
 * the input is thrown as a {@link StateError} with a stable `code`, the CLI exit code it maps
 * to, and the file, line and column it is about.
 *
 * ```ts
 * import { validateStateFile } from 'k0rdent-state';
 *
 * const result = await validateStateFile('state/deployment-state.yaml');
 * for (const p of result.problems) console.log(`${p.line}:${p.col} ${p.severity} ${p.message} [${p.code}]`);
 * ```
 *
 * @packageDocumentation
 */
import { decodeStateBytes } from './parse/decode.js';
import { type ParsedState, parseState } from './parse/parse.js';
import { type ReadOptions, readStateBytes } from './read/read-file.js';
import { type ValidateOptions, type ValidationResult, validateParsed } from './validate/validate.js';

// ---- The command line, for embedding -----------------------------------------------------------

/** CI renderers (`--format github|sarif|junit`) and the catalogue of codes they use as rule ids. */
export {
  buildSarif,
  type CheckRun,
  type FileFindings,
  type Finding,
  RULES,
  type RuleInfo,
  renderGithub,
  renderJunit,
  renderSarif,
  ruleFor,
} from './cli/formats/index.js';
/** The streams, environment and folder the CLI uses; {@link memoryIO} collects output in memory. */
export { type CliIO, memoryIO } from './cli/io.js';
/** Runs the CLI in-process: `await run(['validate', 'state/deployment-state.yaml'], memoryIO())`. */
export { run } from './cli/run.js';

// ---- Errors and versions -----------------------------------------------------------------------

/** Error classes with a stable `code` and an exit code; `formatStateError` prints one as the CLI does. */
export {
  ExitCode,
  formatStateError,
  ReadError,
  type SourcePosition,
  StateError,
  UsageError,
  VersionError,
} from './errors.js';
/** Newest format version this library reads and writes, and the library's own version. */
export { LATEST_VERSION, TOOL_VERSION } from './version.js';

// ---- Read, decode, parse -----------------------------------------------------------------------

/** Decodes bytes as UTF-8 (BOM and line endings remembered, NUL bytes and UTF-16 refused). */
export { type DecodedText, decodeStateBytes } from './parse/decode.js';
/** Parses YAML 1.2 text into a document, the data and a line counter; detects the format version. */
export { detectVersion, NotAStateError, type ParsedState, parseState } from './parse/parse.js';
/** Reads a file's bytes with a size cap and one-line errors ({@link ReadError}); never writes. */
export { DEFAULT_MAX_BYTES, parseSize, type ReadOptions, readStateBytes } from './read/read-file.js';

// ---- Validate ----------------------------------------------------------------------------------

/** One problem found in a file: severity, stable code, message, JSON pointer, line and column. */
export type { Problem, Severity, UnplacedProblem } from './validate/problem.js';
/** Schema + invariant checks with source positions ({@link validateParsed}) or without ({@link validateData}). */
export {
  type ValidateOptions,
  type ValidationResult,
  validateData,
  validateParsed,
} from './validate/validate.js';

// ---- Migrate, report, rollback -----------------------------------------------------------------

/** Migrates a file on disk: lock, backup in old_deployments/, atomic write, migrations_applied, event. */
export { type MigrateFileOptions, type MigrateFileResult, migrateFile } from './migrate/apply.js';
/** Migrates a parsed file in memory (pure); {@link MigrationError} when it cannot. */
export {
  chainsFrom,
  type MigrateOptions,
  MigrationError,
  type MigrationResult,
  migrateParsed,
} from './migrate/engine.js';
/** Restores the newest migration backup whose sha256 matches migrations_applied. */
export { type RollbackOptions, type RollbackResult, rollbackFile } from './migrate/rollback.js';
/** The steps and changes of a migration, as the CLI's report shows them. */
export type { Change, ChangeOp, MigrationChain, MigrationStep, StepWarning } from './migrate/types.js';
/** Renders a migration report as text, JSON or Markdown. */
export { type RenderOptions, type ReportFormat, renderReport } from './report/render.js';
/** Builds a migration report from a result. */
export { buildReport, type MigrationReport } from './report/report.js';

// ---- Runtime operations on a v2 file -----------------------------------------------------------

/** The deployer's phases in execution order, and which flag each optional phase needs. */
export {
  applicablePhases,
  type DeploymentFlags,
  isPhaseApplicable,
  isPhaseName,
  PHASE_FLAG,
  PHASE_STATUSES,
  PHASES,
  type PhaseName,
  type PhaseStatus,
} from './phases.js';
/** Deployment history: two runs compared. */
export { compareRuns } from './runtime/compare-runs.js';
/** Deployment history: rows and the table. */
export { type HistoryRow, historyRows, renderHistory } from './runtime/history.js';
/** A run id that is not in `deployment_runs` (exit 1). */
export { RunNotFoundError } from './runtime/history-runs.js';
/** Phases of the current run: applicability, status, what needs to run, set, reset. */
export {
  phaseApplicable,
  phaseNeedsRun,
  phaseStatus,
  resetFrom,
  setPhase,
  UnknownNameError,
} from './runtime/phase-ops.js';
/** Deployment runs: start one (new id, live phases rebuilt), complete it. */
export {
  type CompleteRunOptions,
  completeRun,
  newRunId,
  type StartRunOptions,
  startRun,
} from './runtime/runs.js';
/** Deployment history: one run in detail. */
export { renderRun } from './runtime/show-run.js';
/** Reads a state file for queries, or changes it under the lock with validation and an atomic write. */
export {
  RefusedError,
  readState,
  type StateFileOptions,
  type StateView,
  type UpdateResult,
  updateState,
} from './runtime/transaction.js';
/** Runtime values and the Terraform cache: route a key, set, get (secrets redacted), freshness. */
export {
  freshnessWarning,
  type GotValue,
  getValue,
  markVm,
  routeKey,
  setInfra,
  setRuntime,
  ValueError,
} from './runtime/values.js';
/** The secret rule: a copy of a value with every secret inside replaced by `<redacted>`. */
export { redactSecrets } from './secrets.js';
/** Terraform: read outputs, a state file or a working folder's backend, and sync them into the cache. */
export { TerraformError, type TerraformSnapshot } from './terraform/common.js';
export { parseOutputsJson } from './terraform/outputs.js';
export { type ReadTerraformOptions, readTerraform } from './terraform/read.js';
export { applyTerraformSync, type SyncOptions, type SyncSummary } from './terraform/sync.js';
export { parseTfstate } from './terraform/tfstate.js';
export { WriteError } from './write/atomic.js';
/** Lock and write errors: another writer holds the file (exit 5), writing failed (exit 6). */
export { LockError } from './write/lock.js';

// ---- Schemas and generated types ---------------------------------------------------------------

/** Types of a v1 file, generated from its schema. */
export type { DeploymentStateV1 } from './generated/deployment-state.v1.js';
/** Types of a v2 file and its parts, generated from its schema. */
export type {
  DeploymentStateV2,
  Flags,
  PhaseEntry,
  Run,
  WireguardPeer,
} from './generated/deployment-state.v2.js';
/** The JSON Schemas of v1 and v2 (also shipped as files: `k0rdent-state/schemas/*`). */
export { schemaV1, schemaV2 } from './generated/schemas.js';

// ---- Convenience -------------------------------------------------------------------------------

/**
 * Reads, decodes and parses a state file from disk. Throws {@link ReadError} (unreadable, not
 * UTF-8, not YAML) or {@link NotAStateError}; the file is never modified.
 */
export async function readStateFile(path: string, options: ReadOptions = {}): Promise<ParsedState> {
  const bytes = await readStateBytes(path, options);
  return parseState(decodeStateBytes(bytes, path).text, path);
}

/**
 * Validates a state file from disk against the schema of its version and the invariants, and
 * returns every problem with its line and column. Throws only when the file cannot be checked at
 * all (see {@link readStateFile}, and {@link VersionError} for a newer `schema_version`).
 */
export async function validateStateFile(
  path: string,
  options: ValidateOptions & ReadOptions = {},
): Promise<ValidationResult> {
  return validateParsed(await readStateFile(path, options), options);
}
