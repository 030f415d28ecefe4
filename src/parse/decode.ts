import { ReadError } from '../errors.js';

/** A state file's text and the encoding details needed to write it back the same way. */
export interface DecodedText {
  /** The text, without a byte-order mark. */
  text: string;
  /** The file started with a UTF-8 byte-order mark. */
  bom: boolean;
  /** The file's line ending (the first one found; `\n` when there is none). */
  eol: '\n' | '\r\n';
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a state file's bytes as UTF-8. Refuses empty files, UTF-16, invalid UTF-8 and NUL
 * bytes with an error that names the line and column.
 */
export function decodeStateBytes(bytes: Uint8Array, file?: string): DecodedText {
  if (bytes.length === 0) {
    throw new ReadError(
      'empty-file',
      'is empty; restore it from old_deployments/ or remove it so the deployer starts afresh',
      { file },
    );
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ReadError(
      'not-utf8',
      'is UTF-16 (it starts with a UTF-16 byte-order mark); convert it: iconv -f UTF-16 -t UTF-8',
      { file, position: { line: 1, col: 1 } },
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    const offset = firstInvalidUtf8(bytes);
    throw new ReadError(
      'not-utf8',
      `byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset} is not valid UTF-8; the file must be UTF-8 text: convert it with iconv -t UTF-8`,
      { file, position: bytePosition(bytes, offset), cause: error },
    );
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  if (bom) text = text.slice(1);
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    throw new ReadError(
      'nul-byte',
      'contains a NUL byte, so it is binary, not a YAML state file; restore it from old_deployments/',
      { file, position: textPosition(text, nul) },
    );
  }
  if (text.trim() === '') {
    throw new ReadError(
      'empty-file',
      'holds only white space; restore it from old_deployments/ or remove it so the deployer starts afresh',
      { file },
    );
  }
  const newline = text.indexOf('\n');
  const eol = newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
  return { text, bom, eol };
}

/** 1-based line and column of a character offset in a text. */
export function textPosition(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

function bytePosition(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

// Offset of the first byte that breaks UTF-8 (only called once decoding has failed).
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const length = b < 0x80 ? 1 : b >> 5 === 0x6 ? 2 : b >> 4 === 0xe ? 3 : b >> 3 === 0x1e ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next >> 6 !== 0x2) return i;
    }
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}
