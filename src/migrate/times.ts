/**
 * Conversion of the time strings found in v1 files to RFC 3339 UTC. v1 wrote ISO-8601 UTC for
 * created_at and friends, but local wall-clock time (`2025-07-19 14:36:43 +08`,
 * `2025-11-17 09:45:00 PST`) for deployment_start_time / deployment_end_time.
 */

/**
 * Zone abbreviations converted, with their offset from UTC in minutes. Ambiguous abbreviations
 * (CST: US Central or China; IST: India, Ireland or Israel; BST: British Summer or Bangladesh)
 * are deliberately absent: a time in such a zone is kept verbatim and not converted.
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
  EST: -300,
  EDT: -240,
};

const LOCAL_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{1,5})?$/;

/**
 * Converts a v1 time string to RFC 3339 UTC (`2025-07-19T06:36:43Z`). Returns undefined when the
 * zone is missing, unknown or ambiguous, or the text is not a date and time.
 */
export function toUtc(text: string): string | undefined {
  const match = LOCAL_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '0', fraction, zone] = match;
  if (zone === undefined) return undefined;
  let offset: number | undefined;
  if (/^[+-]/.test(zone)) {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 14 || minutes > 59) return undefined;
    offset = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  } else {
    offset = ZONE_OFFSETS[zone.toUpperCase()];
  }
  if (offset === undefined) return undefined;
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
    return undefined;
  }
  const utc = new Date(local - offset * 60_000).toISOString();
  return fraction === undefined ? utc.replace(/\.\d{3}Z$/, 'Z') : utc;
}

/** Formats a date as RFC 3339 UTC without milliseconds. */
export function formatUtc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Compact UTC form used in run ids: `20251203T091244Z`. */
export function compactUtc(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}
