/**
 * Every code the tool can print, with a short description and what to do: the rule catalogue
 * of the SARIF output (one stable `ruleId` per code). docs/troubleshooting.md explains each
 * code at length; a test checks that every code used in src/ is in both.
 *
 * Over 400 lines on purpose: it is one table, one entry per code in alphabetical groups, read and
 * reviewed as a whole beside docs/troubleshooting.md; split, a code's entry would have to be
 * looked for in several files and the "every code is here" test would check their union.
 */

/** One rule: a code's title (SARIF `shortDescription`) and what to do about it (`help`). */
export interface RuleInfo {
  /** Short description, one line. */
  title: string;
  /** What to do, one or two sentences. */
  help: string;
  /** Default severity: warnings are data-quality problems (errors with --strict). */
  level?: 'error' | 'warning';
}

const READ = 'restore the file from old_deployments/ or fix it by hand, then run the command again';

/** The catalogue, keyed by code. */
export const RULES: Readonly<Record<string, RuleInfo>> = {
  // Validation: JSON Schema.
  'schema-required': {
    title: 'A required key is missing',
    help: 'Add the key named in the message. For a v1 file that lost it, copy it from a backup in old_deployments/.',
  },
  'schema-unknown-key': {
    title: 'A key the v2 schema does not have',
    help: 'Fix the spelling, or move the data under unrecognized (v2 keeps unknown data only there).',
  },
  'schema-type': {
    title: 'A value has the wrong type',
    help: 'Write the value with the type the message names, e.g. an integer without quotes in v2.',
  },
  'schema-enum': {
    title: 'A value is not one of the allowed values',
    help: 'Use one of the values the message lists.',
  },
  'schema-const': {
    title: 'A value must be exactly one value',
    help: 'Write the value the message names (e.g. schema_version: 2).',
  },
  'schema-pattern': {
    title: 'A text value has the wrong form',
    help: 'Write the value in the form the message names (e.g. 172.24.24.0/24, 20251203T091244Z-3f9a1c).',
  },
  'schema-format': {
    title: 'A timestamp is not a valid date-time',
    help: 'Write an RFC 3339 time such as 2025-12-03T09:12:44Z.',
  },
  'schema-minimum': {
    title: 'A number is below its minimum',
    help: 'Write a number at least as large as the minimum the message names.',
  },
  'schema-maximum': {
    title: 'A number is above its maximum',
    help: 'Write a number no larger than the maximum the message names (a port is at most 65535).',
  },
  'schema-min-length': {
    title: 'A text value is empty',
    help: 'Write a non-empty value.',
  },
  // Validation: v2 invariants (errors).
  'current-run-missing': {
    title: 'current_run_id names no run',
    help: 'Set current_run_id to the run_id of a run in deployment_runs, or to null.',
  },
  'duplicate-run-id': {
    title: 'Two runs have the same run_id',
    help: 'Rename one of the runs: run ids must be unique.',
  },
  'multiple-in-progress-runs': {
    title: 'More than one run is in progress',
    help: 'Set the outcome of the older run to interrupted.',
  },
  'phase-not-applicable': {
    title: 'A phase that does not apply under deployment_flags',
    help: 'Remove the phase from phases, or turn its flag on (start a run with --kof true / --azure-children true).',
  },
  'unknown-phase': {
    title: 'A phase name the deployer does not have',
    help: 'Fix the phase name; the message lists the known phases.',
  },
  // Validation: warnings (errors with --strict).
  'flag-conflict': {
    title: 'The flat and the map deployment flags disagree',
    help: 'The deployment_flags map wins; set the flag at the next run start if the flat value was right.',
    level: 'warning',
  },
  'ended-before-started': {
    title: 'A run ended before it started',
    help: 'Inherited from an old script bug; correct ended_at or started_at if you know the real times.',
    level: 'warning',
  },
  'peer-ip-invalid': {
    title: 'A WireGuard peer IP is not IPv4',
    help: 'Old scripts counted past .255; give the peer a free address inside config.wireguard_network.',
    level: 'warning',
  },
  'peer-ip-duplicate': {
    title: 'Two WireGuard peers share an IP',
    help: 'Give one of the peers another free address.',
    level: 'warning',
  },
  'peer-ip-outside-network': {
    title: 'A WireGuard peer IP is outside config.wireguard_network',
    help: 'Give the peer an address inside the network, or correct config.wireguard_network.',
    level: 'warning',
  },
  'wireguard-network-invalid': {
    title: 'config.wireguard_network is not a valid IPv4 network',
    help: 'Correct it (e.g. 172.24.24.0/24); peer IPs are not checked against it until then.',
    level: 'warning',
  },
  // v1 values the migration takes with a warning ("carry, don't block").
  'value-unset': {
    title: 'A v1 value is null or missing: not set',
    help: 'Nothing to do: the key is left out of v2, or the fallback the message names stands in.',
    level: 'warning',
  },
  'value-empty': {
    title: "A v1 map or list is null or the text '{}': empty",
    help: 'Nothing to do: v2 has an empty map or list there.',
    level: 'warning',
  },
  'value-as-text': {
    title: 'A v1 value is an unquoted number where text belongs',
    help: 'Nothing to do: v2 keeps the text it was written with.',
    level: 'warning',
  },
  'value-carried': {
    title: 'A v1 value has no place in v2: carried to unrecognized',
    help: 'Review it under unrecognized after migrating, and move it to its place by hand if you know where it belongs.',
    level: 'warning',
  },
  'time-converted': {
    title: 'A v1 time in local form was converted to UTC',
    help: 'Nothing to do: the same instant is written in UTC, the fraction of a second kept.',
    level: 'warning',
  },
  'time-fallback': {
    title: 'A v1 time cannot be read: a fallback stands in',
    help: 'Check the fallback the message names; the original text is kept (source_timing or unrecognized).',
    level: 'warning',
  },
  'comment-in-backup-only': {
    title: 'A v1 comment has no place in the migrated file',
    help: 'The backup in old_deployments/ keeps it; copy it by hand if it still matters.',
    level: 'warning',
  },
  // Version checks.
  'not-latest': {
    title: 'The file is not in the latest format (--require-latest)',
    help: 'Review and migrate it: k0rdent-state migrate --dry-run FILE, then k0rdent-state migrate FILE.',
  },
  'needs-migration': {
    title: 'The file needs migrating to the latest format',
    help: 'Review and migrate it: k0rdent-state migrate --dry-run FILE, then k0rdent-state migrate FILE.',
  },
  'v1-key-in-v2': {
    title: 'An old script wrote a v1 key into this v2 file',
    help: 'Fold it into its v2 place: k0rdent-state migrate FILE (a backup is kept).',
  },
  'unsupported-version': {
    title: 'schema_version is newer than this tool knows',
    help: 'Upgrade k0rdent-state; an older tool never rewrites a newer file.',
  },
  'bad-schema-version': {
    title: 'schema_version is not a known integer',
    help: 'Write schema_version: 2 (unquoted), or remove the key for a v1 file.',
  },
  // Reading and parsing.
  'file-not-found': {
    title: 'No such file',
    help: 'Check the path; the default is state/deployment-state.yaml.',
  },
  'permission-denied': {
    title: 'The file cannot be read: permission denied',
    help: 'Run as the user that owns the deployment.',
  },
  'is-directory': { title: 'A directory, not a file', help: 'Pass the path of a deployment-state.yaml.' },
  'not-a-regular-file': {
    title: 'Not a regular file',
    help: 'Pass the path of a deployment-state.yaml, not a device or a pipe.',
  },
  'read-failed': { title: 'The file cannot be read', help: 'Check the disk and the path, then run again.' },
  'file-too-large': {
    title: 'The file is over the size limit',
    help: 'Check the path (a real state file stays under 3 MB), or raise the limit with --max-size.',
  },
  'empty-file': {
    title: 'The file is empty',
    help: 'Restore it from old_deployments/, or remove it so the deployer starts afresh.',
  },
  'not-utf8': { title: 'The file is not UTF-8 text', help: 'Convert it: iconv -f ENCODING -t UTF-8.' },
  'nul-byte': { title: 'The file contains a NUL byte', help: `It is binary, not YAML: ${READ}.` },
  'yaml-syntax': {
    title: 'The file is not valid YAML',
    help: 'Fix the syntax at the line and column given.',
  },
  'collection-key': {
    title: 'A mapping key is a list or a mapping',
    help: 'Write the key as plain text; a state file has plain keys only.',
  },
  'duplicate-key': {
    title: 'A key appears twice in the same mapping',
    help: 'Keep one of the two and delete the other.',
  },
  'multiple-documents': {
    title: 'More than one YAML document',
    help: 'A state file is one document: remove the second ---.',
  },
  'alias-limit': {
    title: 'Too many YAML alias expansions',
    help: 'A state file needs no aliases (&a / *a): write the values out.',
  },
  'alias-cycle': {
    title: 'A YAML alias refers to itself',
    help: 'A state file needs no aliases (&a / *a): write the values out.',
  },
  'too-deep': { title: 'The YAML nests too deeply', help: `Not a state file the deployer wrote: ${READ}.` },
  'root-not-mapping': {
    title: 'The top level is not a mapping',
    help: 'Check that this is the state file (deployment_id, config, ... at the top level).',
  },
  'not-a-state-file': {
    title: 'YAML, but not a deployment state',
    help: 'Pass state/deployment-state.yaml, not deployment-events.yaml or a k0rdent configuration.',
  },
  // Migration and rollback.
  'input-invalid': {
    title: 'The file to migrate is not valid in its own format',
    help: 'Fix the problems listed above it (k0rdent-state validate FILE), then migrate again.',
  },
  'step-failed': {
    title: 'A migration step failed',
    help: 'Nothing was written. Check the file with k0rdent-state validate and report the step that failed.',
  },
  'output-invalid': {
    title: 'A migration would produce an invalid v2 file',
    help: 'Nothing was written. Fix the value named in the message by hand, then migrate again.',
  },
  'diff-too-large': {
    title: 'The migration report leaves the diff out',
    help: 'The files differ in too many lines for a useful diff; review the list of changes, or diff the backup and the migrated file yourself.',
    level: 'warning',
  },
  'nothing-to-roll-back': {
    title: 'The file records no migration',
    help: 'There is nothing to roll back: migrations_applied is empty.',
  },
  'backup-not-found': {
    title: 'No migration backup matches the file',
    help: 'Restore the original from old_deployments/ by hand (see docs/migration-guide.md).',
  },
  'later-runs': {
    title: 'A rollback would leave later runs behind',
    help: 'Review them with k0rdent-state rollback --dry-run, then add --discard-later-runs to roll back anyway.',
  },
  'backup-mismatch': {
    title: 'The migration backups do not match the recorded checksum',
    help: 'Restore by hand from old_deployments/ after checking which backup is right.',
  },
  'backup-file': {
    title: 'A backup in old_deployments/ is not live state',
    help: 'Nothing was changed. Restore it with k0rdent-state rollback on the live file, or copy it out of old_deployments/ and work on the copy.',
  },
  'report-path-refused': {
    title: 'The --report path is the state file, its events file or a backup',
    help: 'Pass another path for the report, e.g. migration-report.txt; nothing was written.',
  },
  'report-failed': {
    title: 'The --report file cannot be written',
    help: 'Check the --report path and its folder.',
  },
  // Writing.
  'lock-timeout': {
    title: 'The state file is locked by another process',
    help: 'Wait for it, raise --lock-timeout, or remove the lock file if its process is surely gone.',
  },
  'lock-failed': { title: 'The lock cannot be taken', help: 'Check the folder is writable, then run again.' },
  'backup-failed': {
    title: 'The backup cannot be written',
    help: 'Nothing was changed. Free disk space or fix the permissions of old_deployments/, then run again.',
  },
  'write-failed': {
    title: 'The state file cannot be written',
    help: 'The original is unchanged. Free disk space or fix the permissions, then run again.',
  },
  // Runtime operations.
  usage: {
    title: 'The command line is wrong',
    help: 'See k0rdent-state --help, or k0rdent-state COMMAND --help for the options and examples.',
  },
  'unknown-name': {
    title: 'An unknown phase or status name',
    help: 'Use a name from the list in the message.',
  },
  'bad-value': {
    title: 'A value of the wrong type for its key',
    help: 'Give the value the type the message names, or JSON with --value-json.',
  },
  'no-run-in-progress': {
    title: 'No run is in progress',
    help: 'Start one first: k0rdent-state run start.',
  },
  'run-not-done': {
    title: 'The run cannot end as a success with phases still open',
    help: 'Mark each phase completed or skipped, or end the run as failed or interrupted.',
  },
  'unknown-vm': {
    title: 'No such VM in this deployment',
    help: 'Use one of the VMs the message lists.',
  },
  'run-not-found': {
    title: 'No run has that run_id',
    help: 'Use a run id that k0rdent-state history lists.',
  },
  'infra-key': {
    title: 'The key is an infrastructure fact',
    help: 'Terraform owns it: run k0rdent-state infra sync, or k0rdent-state infra set.',
  },
  'runtime-key': {
    title: 'The key is runtime state',
    help: 'Use k0rdent-state runtime set KEY VALUE.',
  },
  'not-runtime-key': {
    title: 'The key cannot be set',
    help: 'The message says why; use a runtime key (see k0rdent-state runtime --help).',
  },
  'component-disabled': {
    title: 'The optional component is off',
    help: 'Start a run with the component on: k0rdent-state run start --kof true.',
  },
  'update-invalid': {
    title: 'The change would make the file invalid',
    help: 'The file is unchanged; give a value the schema accepts.',
  },
  'result-too-large': {
    title: 'The change would make the state file larger than the read cap',
    help: 'Nothing was written. Store less, or raise --max-size for every command that reads the file.',
  },
  'secret-refused': {
    title: 'A secret is never printed',
    help: 'Read private keys from the file itself (keep it mode 0600).',
  },
  'no-wireguard-network': {
    title: 'No WireGuard network to assign peer IPs from',
    help: 'Set WG_NETWORK (e.g. 172.24.24.0/24), or config.wireguard_network in the state file.',
  },
  'side-file-unreadable': {
    title: 'An Azure or cluster state file is not valid YAML',
    help: 'Fix the YAML, or move the file aside to start it afresh.',
  },
  'history-unreadable': {
    title: 'old_deployments/deployment-history.yaml is not valid YAML',
    help: 'Fix it, or move it aside; a new one is created when it is missing.',
  },
  'cache-stale': {
    title: 'The Terraform cache is stale or too old (--require-fresh)',
    help: 'Refresh it: k0rdent-state infra sync --terraform-dir DIR.',
  },
  // Terraform input.
  'terraform-no-input': {
    title: 'infra sync has nothing to read',
    help: 'Pass --outputs FILE|-, --tfstate FILE or --terraform-dir DIR.',
  },
  'terraform-file-not-found': {
    title: 'The Terraform file or folder does not exist',
    help: 'Check the path given to --outputs, --tfstate or --terraform-dir.',
  },
  'terraform-not-a-file': { title: 'The Terraform input is not a file', help: 'Pass a file, not a folder.' },
  'terraform-file-too-large': {
    title: 'The Terraform input is too large',
    help: 'Check the path; pass terraform output -json instead of a huge state.',
  },
  'terraform-read-failed': {
    title: 'The Terraform input cannot be read',
    help: 'Run as the user that ran terraform, and check the path.',
  },
  'terraform-not-utf8': {
    title: 'The Terraform input is not UTF-8',
    help: 'Regenerate it: terraform output -json > outputs.json.',
  },
  'terraform-not-json': {
    title: 'The Terraform input is not JSON',
    help: 'Regenerate it: terraform output -json > outputs.json.',
  },
  'terraform-outputs-shape': {
    title: 'Not what terraform output -json prints',
    help: 'Pass the JSON of terraform output -json (a map of {value, type, sensitive}).',
  },
  'tfstate-shape': {
    title: 'Not a Terraform state file',
    help: 'Pass a terraform.tfstate (format 4), or use --outputs.',
  },
  'tfstate-version': {
    title: 'An unsupported Terraform state format',
    help: 'Only format 4 (Terraform 0.12+) is read; use --outputs with terraform output -json.',
  },
  'terraform-backend-shape': {
    title: 'The recorded Terraform backend cannot be read',
    help: 'Run terraform init again, or use --outputs.',
  },
  'terraform-backend-unsupported': {
    title: 'A Terraform backend this tool does not read',
    help: 'Pass terraform output -json with --outputs instead of --terraform-dir.',
  },
  'terraform-remote-state': {
    title: 'The Terraform state is remote',
    help: 'Pass terraform output -json with --outputs, or terraform state pull > FILE with --tfstate.',
  },
  'terraform-sync-not-v2': {
    title: 'infra sync needs a v2 state file',
    help: 'Migrate it first: k0rdent-state migrate FILE.',
  },
  'terraform-lineage-changed': {
    title: 'The Terraform state is another state (lineage changed)',
    help: 'Check you point at the right deployment; --force accepts it.',
  },
  'terraform-serial-older': {
    title: 'The Terraform state is older than the cache',
    help: 'Read the current state; --force accepts the older one.',
  },
};

/** The rule of a code; unknown codes get a generic rule, so no output ever lacks one. */
export function ruleFor(code: string): RuleInfo {
  const known = RULES[code];
  if (known) return known;
  if (code.startsWith('schema-')) {
    return { title: `Schema check ${code.slice('schema-'.length)} failed`, help: 'See the message.' };
  }
  return { title: code, help: 'See the message and docs/troubleshooting.md.' };
}
