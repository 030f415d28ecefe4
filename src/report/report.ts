import type { MigrationResult } from '../migrate/engine.js';
import type { Change, StepWarning } from '../migrate/types.js';
import { type DiffSection, diffSections, MAX_DIFF_EDITS, secretSafeDiff } from './diff.js';

/** Everything an operator reviews about one migration, secrets already masked. */
export interface MigrationReport {
  /** The state file, as named on the command line. */
  file: string;
  from_version: number;
  to_version: number;
  /** True when the file was rewritten; false for a dry run or a file already current. */
  applied: boolean;
  /** The migration time. */
  migrated_at: string;
  /** sha256 of the original bytes. */
  input_sha256: string;
  /** Where the original was copied to (apply only). */
  backup: string | null;
  /** The steps applied, in order, with how many changes each made. */
  steps: Array<{ chain: string; id: string; description: string; changes: number }>;
  changes: Change[];
  warnings: StepWarning[];
  /** Unified diff of the old and new text, secrets masked; '' when none is shown. */
  diff: string;
  /**
   * Only when the diff is left out as too large (warning `diff-too-large`): each top-level
   * section with its line counts before and after and whether it changed.
   */
  diff_summary?: DiffSection[];
}

/** Short one-line form of a value for reports: JSON, cut at 70 characters. */
export function brief(value: unknown): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

/** Builds the report of a migration result. */
export function buildReport(
  file: string,
  originalText: string,
  result: MigrationResult,
  options: { applied: boolean; now: Date; backup?: string | null; diff?: boolean },
): MigrationReport {
  const diff =
    result.changed && options.diff !== false
      ? secretSafeDiff(`a/${file}`, `b/${file}`, originalText, result.text)
      : '';
  const warnings =
    diff === undefined
      ? [
          ...result.warnings,
          {
            step: 'report',
            code: 'diff-too-large',
            path: '',
            message: `the diff is left out: the files differ in more than ${MAX_DIFF_EDITS} lines; the list of changes above is complete`,
          },
        ]
      : result.warnings;
  return {
    file,
    from_version: result.fromVersion,
    to_version: result.toVersion,
    applied: options.applied,
    migrated_at: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    input_sha256: result.inputSha256,
    backup: options.backup ?? null,
    steps: result.chains.flatMap((chain) =>
      chain.steps.map((step) => ({
        chain: chain.id,
        id: step.id,
        description: step.description,
        changes: result.changes.filter((change) => change.step === step.id).length,
      })),
    ),
    changes: result.changes,
    warnings,
    diff: diff ?? '',
    ...(diff === undefined ? { diff_summary: diffSections(originalText, result.text) } : {}),
  };
}
