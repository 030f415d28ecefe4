import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TOOL_VERSION } from '../../version.js';
import type { CheckRun, Finding } from './findings.js';
import { ruleFor } from './rules.js';

/** The SARIF version written, and the schema it follows. */
export const SARIF_VERSION = '2.1.0';
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Key of our own fingerprint in `partialFingerprints`: bump the version when its inputs change. */
export const FINGERPRINT_KEY = 'k0rdentStateProblem/v1';

/** A SARIF log, as far as this tool writes one. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

interface SarifRun {
  tool: { driver: SarifDriver };
  automationDetails: { id: string };
  columnKind: 'utf16CodeUnits';
  originalUriBaseIds: Record<string, { description: { text: string } }>;
  artifacts: { location: ArtifactLocation }[];
  results: SarifResult[];
  invocations: { executionSuccessful: boolean; commandLine: string }[];
}

interface SarifDriver {
  name: string;
  version: string;
  semanticVersion: string;
  rules: SarifRule[];
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: 'error' | 'warning' };
}

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
  index?: number;
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'error' | 'warning';
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: ArtifactLocation;
      region?: { startLine: number; startColumn: number; endLine?: number; endColumn?: number };
    };
    logicalLocations?: { fullyQualifiedName: string; kind: string }[];
  }[];
  partialFingerprints: Record<string, string>;
}

/** `CamelCase` name of a code, for a rule's `name`: `schema-enum` → `SchemaEnum`. */
export function ruleName(code: string): string {
  return code
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The artifact location of a file as named on the command line. */
export function artifactLocation(file: string): ArtifactLocation {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  const uri = file
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  return { uri, uriBaseId: '%SRCROOT%' };
}

/**
 * A fingerprint that stays the same when lines move: the rule, the file and the JSON pointer of
 * the value (or, for a problem with no pointer, its message).
 */
export function fingerprint(file: string, finding: Finding): string {
  const where = finding.pointer ?? finding.message;
  return createHash('sha256').update(`${finding.code}\u0000${file}\u0000${where}`).digest('hex').slice(0, 32);
}

/**
 * The region of a finding: 1-based, `endColumn` exclusive. A point (a problem about a whole
 * file, or a position with no extent) leaves the end out, which SARIF reads as "to the end of
 * the line".
 */
export function sarifRegion(
  finding: Finding,
): { startLine: number; startColumn: number; endLine?: number; endColumn?: number } | undefined {
  if (finding.line === undefined) return undefined;
  const startColumn = finding.col ?? 1;
  const endLine = finding.endLine ?? finding.line;
  const endColumn = finding.endCol ?? startColumn;
  if (endLine < finding.line || (endLine === finding.line && endColumn <= startColumn)) {
    return { startLine: finding.line, startColumn };
  }
  return { startLine: finding.line, startColumn, endLine, endColumn };
}

/**
 * Renders a run as a SARIF 2.1.0 log for code scanning: one rule per code that occurs, one
 * result per finding with its region (1-based; `endColumn` exclusive, UTF-16 code units), and a
 * `partialFingerprints` entry that does not depend on line numbers.
 */
export function renderSarif(run: CheckRun): string {
  return `${JSON.stringify(buildSarif(run), null, 2)}\n`;
}

/** Builds the SARIF log of {@link renderSarif}. */
export function buildSarif(run: CheckRun): SarifLog {
  const codes = [
    ...new Set(run.files.flatMap((file) => file.findings.map((finding) => finding.code))),
  ].sort();
  const rules: SarifRule[] = codes.map((code) => {
    const rule = ruleFor(code);
    return {
      id: code,
      name: ruleName(code),
      shortDescription: { text: rule.title },
      fullDescription: { text: `${rule.title}. ${rule.help}` },
      help: {
        text: rule.help,
        markdown: `${rule.help}\n\nSee \`docs/troubleshooting.md\`, section \`${code}\`.`,
      },
      defaultConfiguration: { level: rule.level ?? 'error' },
    };
  });
  const artifacts = run.files.map((file) => ({ location: artifactLocation(file.file) }));
  const results: SarifResult[] = [];
  run.files.forEach((file, index) => {
    for (const finding of file.findings) {
      const artifact = { ...artifactLocation(file.file), index };
      const region = sarifRegion(finding);
      results.push({
        ruleId: finding.code,
        ruleIndex: codes.indexOf(finding.code),
        level: finding.severity,
        message: { text: finding.message },
        locations: [
          {
            physicalLocation: { artifactLocation: artifact, ...(region ? { region } : {}) },
            ...(finding.pointer
              ? { logicalLocations: [{ fullyQualifiedName: finding.pointer || '/', kind: 'object' }] }
              : {}),
          },
        ],
        partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(file.file, finding) },
      });
    }
  });
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: 'k0rdent-state',
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            rules,
          },
        },
        automationDetails: {
          id: `k0rdent-state/${run.command.replace(/\s+--/g, '-').replace(/\s+/g, '-')}/`,
        },
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: {
          '%SRCROOT%': { description: { text: 'The folder the command ran in' } },
        },
        artifacts,
        results,
        invocations: [{ executionSuccessful: true, commandLine: `k0rdent-state ${run.command}` }],
      },
    ],
  };
}
