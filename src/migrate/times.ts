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
  // Whole seconds through Date, the fraction as written: `.250` stays `.250`, never `.000`.
  const utc = formatUtc(new Date(local - offset * 60_000));
  return { utc: fraction === undefined ? utc : utc.replace(/Z$/, `.${fraction}Z`) };
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

const CANONICAL_UTC = /^([1-9]\d{3})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * True for `YYYY-MM-DDTHH:MM:SS[.fraction]Z` naming a real instant: a time {@link readTime} reads
 * as itself. (No leap second: 23:59:60 goes the full way.)
 */
export function isCanonicalUtc(text: string): boolean {
  const match = CANONICAL_UTC.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 0);
  return day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

/** Formats a date as RFC 3339 UTC without milliseconds. */
export function formatUtc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Compact UTC form used in run ids: `20251203T091244Z`. */
export function compactUtc(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}
