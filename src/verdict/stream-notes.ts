/**
 * What a stream's sequence numbers say about the capture rather than the network, as info findings:
 * packets seen twice and a sender that restarted its sequence numbers. Each is why tshark's `lost`
 * (expected - received) goes negative or wrong; the report shows the counted loss instead, and these
 * findings name the packet where it began so that the reader can look.
 */
import type { Finding, StreamReport } from '../model/report.js';

type StreamIn = Omit<StreamReport, 'verdict'>;

/**
 * RFC 4733 2.5.1.4: the end of a telephone event is sent three times with one sequence number, so a
 * DTMF stream has 2 duplicates per event by design (an event is at least 3 packets): not a finding.
 */
export function duplicatesByDesign(s: Pick<StreamIn, 'duplicates' | 'telephoneEventPackets'>): boolean {
  return s.duplicates > 0 && s.duplicates * 3 <= s.telephoneEventPackets * 2;
}

export function streamNotes(s: StreamIn, where: string): Finding[] {
  const out: Finding[] = [];
  const base = { streamId: s.id, ...(s.callId ? { callId: s.callId } : {}) };
  if (s.duplicates > 0 && !duplicatesByDesign(s)) {
    out.push({
      ...base, severity: 'info', code: 'RTP_DUPLICATES', measured: s.duplicates, unit: 'packets',
      ...(s.firstDuplicatePacket !== null ? { packet: s.firstDuplicatePacket } : {}),
      message: `${s.duplicates} of ${s.packets} RTP packets of ${where} arrived twice (same sequence number): the capture sees them twice (a SPAN of both directions, two capture points) or the path duplicates them; loss counts each packet once`,
      evidence: [`loss counted ${s.lostCounted} of ${s.expectedCounted}; tshark counts ${s.lost} lost of ${s.expected}`],
    });
  }
  if (s.sequenceResets > 0) {
    out.push({
      ...base, severity: 'info', code: 'RTP_SEQUENCE_RESET', measured: s.sequenceResets,
      ...(s.sequenceResetPacket !== null ? { packet: s.sequenceResetPacket } : {}),
      message: `the sender of ${where} restarted its sequence numbers ${s.sequenceResets} time(s) (an endpoint or media server restarting the stream): loss is counted per run of sequence numbers`,
      evidence: [`loss counted ${s.lostCounted} of ${s.expectedCounted}; tshark counts ${s.lost} lost of ${s.expected}`],
    });
  }
  return out;
}
