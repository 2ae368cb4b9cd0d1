/**
 * How a stream's figures read in every output (text, HTML, summary): jitter only where it was
 * measured, and the loss shown with why it differs from tshark's `lost`.
 */
import type { StreamReport } from './report.js';

type Figures = Pick<StreamReport, 'clockRate' | 'packets' | 'telephoneEventPackets'>;

/**
 * Jitter needs the RTP clock: with an unknown clock rate (a payload type no SDP or table names) or
 * telephone-event only (RFC 4733 2.2.1: the timestamp stays at the event start) there is none, and
 * 0.00 would read as a perfect stream: such a stream's jitter is "n/a".
 */
export function jitterKnown(s: Figures): boolean {
  return s.clockRate > 0 && s.telephoneEventPackets < s.packets;
}

type LossIn = Pick<StreamReport, 'lost' | 'expected' | 'lostCounted' | 'expectedCounted' | 'duplicates' | 'sequenceResets' | 'firstDuplicatePacket' | 'sequenceResetPacket' | 'telephoneEventPackets'>;

/**
 * Why the loss shown is not tshark's expected - received, in words; null when they agree. Never a
 * negative number without its reason: duplicates counted once, a restart of the sequence numbers.
 */
export function lossReason(s: LossIn): string | null {
  const why: string[] = [];
  if (s.duplicates > 0) {
    const rfc4733 = s.duplicates * 3 <= s.telephoneEventPackets * 2 ? ' (RFC 4733 repeats the end of each DTMF event)' : '';
    why.push(`${s.duplicates} duplicate(s) counted once${rfc4733}${s.firstDuplicatePacket !== null ? `, first at packet ${s.firstDuplicatePacket}` : ''}`);
  }
  if (s.sequenceResets > 0) {
    why.push(`sequence numbers restarted ${s.sequenceResets} time(s)${s.sequenceResetPacket !== null ? `, first at packet ${s.sequenceResetPacket}` : ''}`);
  }
  if (why.length === 0 && s.lostCounted === s.lost) return null;
  return `${why.join('; ')}${why.length > 0 ? '; ' : ''}tshark counts ${s.lost} lost of ${s.expected}`;
}
