/**
 * Voice-shaped probe streams: the packet size and interval of a codec's RTP stream (RFC 3551 and the
 * codecs' usual 20 ms packetisation). The probe's UDP payload is padded (RFC 8972 Extra Padding TLV)
 * to the RTP packet's size: 12 octets of RTP header plus the codec payload. A STAMP packet cannot be
 * smaller than its base and TLVs (44 + 8 octets unauthenticated, 112 + 8 + 20 authenticated), so the
 * smallest codecs (G.729) send that minimum instead.
 */
export interface ProbeCodec {
  name: string;
  /** codec payload octets per packet */
  payloadBytes: number;
  intervalMs: number;
}

export const PROBE_CODECS: Record<string, ProbeCodec> = {
  g711: { name: 'G.711', payloadBytes: 160, intervalMs: 20 },
  g722: { name: 'G.722', payloadBytes: 160, intervalMs: 20 },
  g729: { name: 'G.729', payloadBytes: 20, intervalMs: 20 },
  opus: { name: 'Opus', payloadBytes: 80, intervalMs: 20 },
  g711_30: { name: 'G.711 30 ms', payloadBytes: 240, intervalMs: 30 },
};

export const RTP_HEADER_BYTES = 12;

/** the UDP payload an RTP packet of this codec has */
export function voicePacketBytes(c: ProbeCodec): number {
  return RTP_HEADER_BYTES + c.payloadBytes;
}
