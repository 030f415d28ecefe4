import { closestMatch } from 'leven';

/**
 * The candidate close enough to `word` to suggest ("did you mean X?"), or undefined: at most 2
 * edits away, fewer for short words. Used for commands, options and actions on the command line,
 * and for phase and VM names in the runtime operations.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  return closestMatch(word, candidates, { maxDistance: Math.min(2, Math.max(1, word.length - 2)) });
}
