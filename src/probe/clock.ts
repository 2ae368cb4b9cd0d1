/** NTP 64-bit timestamps (RFC 5905 6) from and to Unix epoch milliseconds */
import type { NtpTimestamp } from '../decode/stamp.js';
import { NTP_UNIX_OFFSET } from '../measure/ntp.js';

export function ntpFromEpochMs(ms: number): NtpTimestamp {
  const whole = Math.floor(ms / 1000);
  let fraction = Math.round(((ms - whole * 1000) / 1000) * 2 ** 32);
  let seconds = whole + NTP_UNIX_OFFSET;
  if (fraction >= 2 ** 32) {
    fraction -= 2 ** 32;
    seconds += 1;
  }
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

export function ntpToEpochMs(t: NtpTimestamp): number {
  return (t.seconds - NTP_UNIX_OFFSET) * 1000 + (t.fraction / 2 ** 32) * 1000;
}
