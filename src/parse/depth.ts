/**
 * Most levels of nesting a state file may have. Real files need about 6 (a phase entry of a run);
 * the YAML parser and everything after it recurse once per level, and a file nested thousands of
 * levels deep (`[[[[…` or `- - - - …`) exhausts the call stack after seconds of work.
 */
export const MAX_NESTING_DEPTH = 128;

const isBlank = (c: string | undefined) =>
  c === undefined || c === ' ' || c === '\t' || c === '\r' || c === '\n';

/**
 * A cheap scan of YAML text, before the parser sees it: the offset where the nesting first goes
 * deeper than `max` levels, or -1. It counts block indentation levels, compact `- ` / `? ` entries
 * and open flow brackets, skipping quoted scalars, comments and block scalars. Plain multi-line
 * scalars whose continuation lines start with `[` or `{` can make it count a level too many, which
 * only matters for files far deeper than any state file.
 */
export function excessiveNesting(text: string, max = MAX_NESTING_DEPTH): number {
  const indents: number[] = [];
  let flow = 0;
  let quote = '';
  // Lines indented more than this belong to a block scalar (`key: |`) and are not YAML structure.
  let blockScalar = -1;
  let valueStart = true;
  const length = text.length;
  let start = 0;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = length;
    let i = start;
    while (i < end && text[i] === ' ') i++;
    const indent = i - start;
    const empty = i >= end || text[i] === '\r' || (text[i] === '\t' && text.slice(i, end).trim() === '');
    if (blockScalar >= 0 && quote === '') {
      if (empty || indent > blockScalar) {
        start = end + 1;
        continue;
      }
      blockScalar = -1;
    }
    let compact = 0;
    if (quote === '' && flow === 0 && !empty && text[i] !== '#') {
      while (indents.length > 0 && (indents.at(-1) as number) > indent) indents.pop();
      if (indents.length === 0 || (indents.at(-1) as number) < indent) indents.push(indent);
      if (indents.length > max) return i;
      valueStart = true;
    }
    for (let k = i; k < end; k++) {
      const c = text[k];
      if (quote !== '') {
        if (quote === '"' && c === '\\') k++;
        else if (quote === "'" && c === "'" && text[k + 1] === "'") k++;
        else if (c === quote) quote = '';
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') continue;
      if (c === '#' && (k === start || text[k - 1] === ' ' || text[k - 1] === '\t')) break;
      if (valueStart) {
        if (c === '"' || c === "'") {
          quote = c;
          valueStart = false;
        } else if (c === '[' || c === '{') {
          flow++;
          if (indents.length + compact + flow > max) return k;
        } else if (flow === 0 && (c === '-' || c === '?') && isBlank(text[k + 1])) {
          compact++;
          if (indents.length + compact + flow > max) return k;
        } else if (flow === 0 && (c === '|' || c === '>')) {
          blockScalar = indent;
          break;
        } else if (c === '&' || c === '!') {
          // An anchor or a tag before the value: skip its name.
          while (k + 1 < end && !isBlank(text[k + 1])) k++;
        } else if (flow > 0 && (c === ']' || c === '}')) {
          flow--;
          valueStart = false;
        } else {
          valueStart = false;
        }
        continue;
      }
      if (flow > 0) {
        if (c === '[' || c === '{') {
          flow++;
          valueStart = true;
          if (indents.length + compact + flow > max) return k;
        } else if (c === ']' || c === '}') {
          flow--;
        } else if (c === ',') {
          valueStart = true;
        } else if (c === ':' && (isBlank(text[k + 1]) || ',[]{}'.includes(text[k + 1] as string))) {
          valueStart = true;
        }
      } else if (c === ':' && isBlank(text[k + 1])) {
        valueStart = true;
      }
    }
    start = end + 1;
  }
  return -1;
}
