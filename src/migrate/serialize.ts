import type { Document } from 'yaml';
import type { DecodedText } from '../parse/decode.js';

/** Formatting of written YAML: keeps flow maps compact as yq writes them, never folds lines. */
export const YAML_OUTPUT_OPTIONS = {
  lineWidth: 0,
  flowCollectionPadding: false,
  defaultStringType: 'QUOTE_DOUBLE',
  defaultKeyType: 'PLAIN',
} as const;

/** Serialises a Document the way this tool writes state files. */
export function serialize(doc: Document, encoding: Pick<DecodedText, 'eol' | 'bom'>): string {
  let text = doc.toString(YAML_OUTPUT_OPTIONS);
  if (encoding.eol === '\r\n') text = text.replace(/\r?\n/g, '\r\n');
  return encoding.bom ? `\ufeff${text}` : text;
}
