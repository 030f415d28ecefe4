import type { CheckRun } from './findings.js';
import { renderGithub } from './github.js';
import { renderJunit } from './junit.js';
import { renderSarif } from './sarif.js';

export { type CheckRun, countFindings, type FileFindings, type Finding, findingLine } from './findings.js';
export { annotation, escapeData, escapeProperty, GITHUB_ANNOTATION_LIMIT, renderGithub } from './github.js';
export { escapeXmlAttribute, escapeXmlText, renderJunit } from './junit.js';
export { RULES, type RuleInfo, ruleFor } from './rules.js';
export { buildSarif, FINGERPRINT_KEY, renderSarif, type SarifLog } from './sarif.js';

/** The CI output formats of `validate` and `migrate --check`. */
export const CI_FORMATS = ['github', 'sarif', 'junit'] as const;

/** One of {@link CI_FORMATS}. */
export type CiFormat = (typeof CI_FORMATS)[number];

/** True for a CI output format. */
export function isCiFormat(format: string | undefined): format is CiFormat {
  return (CI_FORMATS as readonly string[]).includes(format ?? '');
}

/** Renders a run in one of the CI formats. */
export function renderCheckRun(run: CheckRun, format: CiFormat): string {
  switch (format) {
    case 'github':
      return renderGithub(run);
    case 'sarif':
      return renderSarif(run);
    case 'junit':
      return renderJunit(run);
  }
}
