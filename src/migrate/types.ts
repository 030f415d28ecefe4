import type { Document } from 'yaml';

/** Kinds of change a migration step reports. */
export type ChangeOp = 'move' | 'set' | 'retype' | 'prune' | 'add';

/**
 * One change a migration step made. Paths are dotted (`wireguard_config.peers.hub.ip`); `from`
 * is null for values that did not exist before, `to` is null for pruned values. `value` is the
 * value written (or pruned), with secrets already replaced by `<redacted>`.
 */
export interface Change {
  step: string;
  op: ChangeOp;
  from: string | null;
  to: string | null;
  value: unknown;
  reason: string;
}

/** A data-quality remark a step makes without changing anything (e.g. a flag conflict). */
export interface StepWarning {
  step: string;
  code: string;
  path: string;
  message: string;
}

/** What a step may know about the run of the chain it is part of. */
export interface StepContext {
  /** The migration time (pinned in tests). */
  now: Date;
  /** Version of this tool, recorded in migrations_applied. */
  toolVersion: string;
  /** sha256 (hex) of the input file's bytes. */
  inputSha256: string;
  /** Id of the chain being applied, e.g. `v1-to-v2`. */
  chainId: string;
  /** Ids of every step of the chain, in order. */
  stepIds: readonly string[];
  /** Records a warning. */
  warn(code: string, path: string, message: string): void;
}

/**
 * One step of a migration chain: a pure function of the YAML Document that edits it in place
 * and returns every change it made. `from` and `to` are stage labels: `1` is a v1 file, `2` a v2
 * file, `1.1` … `1.5` a v1 file part-way through the chain.
 */
export interface MigrationStep {
  id: string;
  description: string;
  from: string;
  to: string;
  apply(doc: Document, context: StepContext): Change[];
}

/** An ordered chain of steps from one format version to the next. */
export interface MigrationChain {
  id: string;
  from: number;
  to: number;
  steps: readonly MigrationStep[];
}

/**
 * A repair of a file that is already at the newest version but holds what an older tool wrote
 * into it (v1 keys an old script added to a v2 file). Run by `migrate`, and before any write,
 * when {@link needed} says so; recorded in migrations_applied like a migration.
 */
export interface RepairChain extends MigrationChain {
  /** True when the file (its plain data) needs this repair. */
  needed(data: Readonly<Record<string, unknown>>): boolean;
}
