/**
 * Capture times as ISO 8601 text for reports. A pcapng timestamp is a 64-bit count of units, so a
 * corrupt one can lie beyond what a JavaScript Date holds (±8.64e15 ms, the year 275760), where
 * toISOString() throws a RangeError; such a time is shown as the nearest representable instant
 * instead of ending the analysis (it is a corrupt field, not a real capture time).
 */
const MAX_DATE_MS = 8.64e15;

export function isoTime(epochMs: number): string {
  const ms = Number.isNaN(epochMs) ? 0 : Math.min(MAX_DATE_MS, Math.max(-MAX_DATE_MS, epochMs));
  return new Date(ms).toISOString();
}
