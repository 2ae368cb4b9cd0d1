/**
 * Retry delay: exponential backoff with "full jitter" (AWS architecture blog, "Exponential Backoff
 * And Jitter"): a uniform draw in [0, min(max, base * 2^attempt)), so many sites that lost the
 * same centre do not all come back in the same millisecond. Never below `minMs`.
 */
export function backoffDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.max(minMs, Math.floor(random() * ceiling));
}

/** Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP date; null when absent or unreadable */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | null {
  if (header === null || header === undefined || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
