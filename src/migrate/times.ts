/**
 * Conversion of the time strings found in v1 files to RFC 3339 UTC. v1 wrote ISO-8601 UTC for
 * created_at and friends, but local wall-clock time (`2025-07-19 14:36:43 +08`,
 * `2025-11-17 09:45:00 PST`) for deployment_start_time / deployment_end_time.
 */

/**
 * Zone abbreviations converted, with their offset from UTC in minutes: the one list (the README's
 * "Decisions" repeats it, and a test checks that it does). Ambiguous abbreviations (CST: US
 * Central or China; IST: India, Ireland or Israel; BST: British Summer or Bangladesh) are
 * deliberately absent: a time in such a zone is kept verbatim and not converted. CDT is taken as
 * US Central Daylight Time and GST as Gulf Standard Time, the meanings deployers' clocks use.
 */
export const ZONE_OFFSETS: Readonly<Record<string, number>> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  GST: 240,
  SGT: 480,
  HKT: 480,
  AWST: 480,
  JST: 540,
  KST: 540,
  ACST: 570,
  ACDT: 630,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  HST: -600,
  AKST: -540,
  AKDT: -480,
  PST: -480,
  PDT: -420,
  MST: -420,
  MDT: -360,
  CDT: -300,
  EST: -300,
  EDT: -240,
};

const LOCAL_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{1,5})?$/;

/** Why a v1 time string could not be converted (see {@link readTime}). */
export type UnreadableTime = 'not-a-time' | 'no-zone' | 'unknown-zone';

/**
 * Reads a v1 time string: `{ utc }` in RFC 3339 UTC, the fraction of a second kept digit for
 * digit (`2025-07-01 12:00:00.250 +02` → `2025-07-01T10:00:00.250Z`), or `{ unreadable, zone }`
 * saying why not: not a date and a time (a bare date, an epoch, free text), no zone, or a zone
 * that is not a numeric offset nor in {@link ZONE_OFFSETS}.
 */
export function readTime(
  text: string,
): { utc: string; unreadable?: undefined } | { utc?: undefined; unreadable: UnreadableTime; zone?: string } {
  // Most times in a file are already RFC 3339 UTC, as this tool and the deployer write them:
  // they read as themselves, without building a Date (validate reads thousands per batch).
  if (isCanonicalUtc(text)) return { utc: text };
  const read = readInstant(text);
  if (read.unreadable !== undefined) return read;
  // Whole seconds through Date, the fraction as written: `.250` stays `.250`, never `.000`.
  const utc = formatUtc(new Date(read.instant));
  return { utc: read.fraction === undefined ? utc : utc.replace(/Z$/, `.${read.fraction}Z`) };
}

/**
 * True when {@link readTime} reads `text` as a time (its `utc` is set), without formatting the
 * result: `validate` asks this of every deployment_start_time it checks and needs only the answer.
 */
export function isReadableTime(text: string): boolean {
  if (isCanonicalUtc(text)) return true;
  // The deployer's own spellings, `2025-07-19 14:36:43 +08` and `2025-11-17 09:45:00 PST`
  // (deployment_start_time of every E3+ file): told from their digits in place. The validity is
  // the full reading's: a zone of at most 14 hours or a known name, and a date and time Date.UTC
  // gives back unchanged, i.e. a year of 100 or more (it reads 0-99 as 1900-1999), a real month
  // and day, and a time that does not run into the next day (23:59:60 does; a leap second
  // elsewhere only moves the minute).
  if (DEPLOYER_LOCAL.test(text)) {
    const sign = text.charCodeAt(20);
    const zoneKnown =
      sign === 43 || sign === 45 /* + - */
        ? twoDigits(text, 21) <= 14
        : ZONE_OFFSETS[text.slice(20).toUpperCase()] !== undefined;
    const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
    const month = twoDigits(text, 5);
    const day = twoDigits(text, 8);
    const hour = twoDigits(text, 11);
    const minute = twoDigits(text, 14);
    const second = twoDigits(text, 17);
    return (
      zoneKnown &&
      year >= 100 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysIn(year, month) &&
      hour <= 23 &&
      minute <= 59 &&
      second <= 60 &&
      !(hour === 23 && minute === 59 && second === 60)
    );
  }
  return readInstant(text).unreadable === undefined;
}

const DEPLOYER_LOCAL = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2} (?:[+-]\d{2}|[A-Za-z]{1,5})$/;

// The reading of readTime, to the instant (whole seconds, in ms since the epoch) and the fraction
// as written; formatting is left to the caller that needs the text.
function readInstant(
  text: string,
):
  | { instant: number; fraction: string | undefined; unreadable?: undefined }
  | { unreadable: UnreadableTime; zone?: string } {
  const match = LOCAL_TIME.exec(text.trim());
  if (!match) return { unreadable: 'not-a-time' };
  const [, year, month, day, hour, minute, second = '0', fraction, zone] = match;
  if (zone === undefined) return { unreadable: 'no-zone' };
  let offset: number | undefined;
  if (/^[+-]/.test(zone)) {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 14 || minutes > 59) return { unreadable: 'unknown-zone', zone };
    offset = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  } else {
    offset = ZONE_OFFSETS[zone.toUpperCase()];
  }
  if (offset === undefined) return { unreadable: 'unknown-zone', zone };
  const local = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== Number(year) ||
    check.getUTCMonth() !== Number(month) - 1 ||
    check.getUTCDate() !== Number(day) ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 60
  ) {
    return { unreadable: 'not-a-time' };
  }
  return { instant: local - offset * 60_000, fraction };
}

/**
 * Converts a v1 time string to RFC 3339 UTC (`2025-07-19T06:36:43Z`, a fraction of a second
 * kept as written). Returns undefined when the zone is missing, unknown or ambiguous, or the text
 * is not a date and time.
 */
export function toUtc(text: string): string | undefined {
  return readTime(text).utc;
}

/** Says in words why {@link readTime} could not read a time, for reports. */
export function unreadableReason(result: { unreadable?: UnreadableTime; zone?: string }): string {
  switch (result.unreadable) {
    case 'no-zone':
      return 'has no time zone';
    case 'unknown-zone':
      return `has a time zone this tool does not convert (${result.zone ?? ''}: unknown or ambiguous; the README lists the known ones)`;
    default:
      return 'is not a date and a time';
  }
}

/**
 * The creation time a migrated file records, in RFC 3339 UTC: `created_at` when it can be read,
 * else `last_updated` when that can, else the migration time (a file whose every time is
 * unreadable was still created by then).
 */
export function creationInstant(createdAt: unknown, lastUpdated: unknown, now: Date): string {
  for (const candidate of [createdAt, lastUpdated]) {
    const utc = typeof candidate === 'string' ? toUtc(candidate) : undefined;
    if (utc !== undefined) return utc;
  }
  return formatUtc(now);
}

const CANONICAL_UTC = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Days of a month (1-12; 0 for any other) of the proleptic Gregorian calendar, as Date counts them.
function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 0);
}

// The two-digit number at `at` of a text a fixed-place pattern matched (CANONICAL_UTC,
// DEPLOYER_LOCAL).
const twoDigits = (text: string, at: number): number =>
  (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;

/**
 * True for `YYYY-MM-DDTHH:MM:SS[.fraction]Z` naming a real instant: a time {@link readTime} reads
 * as itself. (No leap second: 23:59:60 goes the full way.)
 */
export function isCanonicalUtc(text: string): boolean {
  // test() and the digits read in place, not exec() and Number(): no match array and no
  // substrings for the thousands of times `validate` checks per batch.
  if (!CANONICAL_UTC.test(text)) return false;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  return (
    day >= 1 &&
    day <= daysIn(year, month) &&
    twoDigits(text, 11) <= 23 &&
    twoDigits(text, 14) <= 59 &&
    twoDigits(text, 17) <= 59
  );
}

/** Formats a date as RFC 3339 UTC without milliseconds. */
export function formatUtc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Compact UTC form used in run ids: `20251203T091244Z`. */
export function compactUtc(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}
