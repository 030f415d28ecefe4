import { statSync } from 'node:fs';
import type { DecodedText } from '../parse/decode.js';
import type { ParsedState } from '../parse/parse.js';

/** A file read and parsed once, with the identity of the file it came from. */
export interface CachedState {
  decoded: DecodedText;
  parsed: ParsedState;
  /** The Document as this tool writes it, when known (saves serialising it again to compare). */
  serialized?: string;
}

/**
 * Parsed state files kept between calls by a long-lived process (the adapter's co-process).
 * An entry is used only while the file on disk is the one it was read from: same device, inode,
 * size, modification and change time (nanoseconds). Every writer this tool has replaces the file
 * by a rename (a new inode), and any other edit changes the times, so a change made by another
 * process is seen on the next call. Nothing is kept between calls of one-shot processes.
 */
export class StateCache {
  private readonly entries = new Map<string, { signature: string; state: CachedState }>();

  /** The identity of the file at `path` now, or undefined when it cannot be stat'ed. */
  static signature(path: string): string | undefined {
    try {
      const info = statSync(path, { bigint: true });
      return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    } catch {
      return undefined;
    }
  }

  /** The cached state of `path` when the file has not changed since it was cached. */
  get(path: string): CachedState | undefined {
    const entry = this.entries.get(path);
    if (!entry) return undefined;
    if (StateCache.signature(path) === entry.signature) return entry.state;
    this.entries.delete(path);
    return undefined;
  }

  /**
   * Takes the entry out of the cache, for a caller that will edit its Document: an edit that is
   * then refused must not leave a changed Document behind.
   */
  take(path: string): CachedState | undefined {
    const state = this.get(path);
    this.entries.delete(path);
    return state;
  }

  /** Remembers `state` as the content of `path` as the file is now. */
  set(path: string, state: CachedState): void {
    const signature = StateCache.signature(path);
    if (signature === undefined) this.entries.delete(path);
    else this.entries.set(path, { signature, state });
  }

  /** Forgets `path`. */
  delete(path: string): void {
    this.entries.delete(path);
  }
}
