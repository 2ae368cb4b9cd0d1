/**
 * What the E-model and the mouth-to-ear delay need to know of a codec: its equipment impairment Ie and
 * packet-loss robustness Bpl (ITU-T G.113 Appendix I, Tables I.1 and I.3), its algorithmic look-ahead
 * and its usual frame size. Codec names are those of the report (RFC 3551 / a=rtpmap encoding names).
 *
 * Sources of the look-ahead: G.711 and G.726 are sample-based (none); G.729 5 ms (G.729 clause 2:
 * 10 ms frames, 5 ms look-ahead); G.723.1 7.5 ms (G.723.1 clause 2: 30 ms frames, 7.5 ms look-ahead);
 * G.722 none counted (sub-band ADPCM; its QMF filter delay of about 1.5 ms is not a look-ahead);
 * iLBC 5 ms (RFC 3951 section 1: 25 ms algorithmic delay for 20 ms frames); Opus 6.5 ms
 * (RFC 6716 section 2: 26.5 ms algorithmic delay at 20 ms frames, the default).
 */

export interface CodecQuality {
  /** the row of G.113 Appendix I (or the assumption) used, in words */
  row: string;
  Ie: number;
  Bpl: number;
  lookAheadMs: number;
  /** frame size used when neither SDP nor the packets say (ms) */
  defaultFrameMs: number;
  /** no published narrowband Ie/Bpl for this codec: the values stand in, the score is provisional */
  provisional: boolean;
  /** the assumptions behind Ie/Bpl, in words */
  assumptions: string[];
}

const G711_PLC = 'G.711 with PLC (G.711 Appendix I): Ie 0, Bpl 25.1 (G.113 Appendix I); PLC assumed, without it Bpl is 4.3';

const TABLE: Record<string, CodecQuality> = {
  pcmu: { row: 'G.711 with PLC', Ie: 0, Bpl: 25.1, lookAheadMs: 0, defaultFrameMs: 20, provisional: false, assumptions: [G711_PLC] },
  pcma: { row: 'G.711 with PLC', Ie: 0, Bpl: 25.1, lookAheadMs: 0, defaultFrameMs: 20, provisional: false, assumptions: [G711_PLC] },
  g729: {
    row: 'G.729A with VAD', Ie: 11, Bpl: 19, lookAheadMs: 5, defaultFrameMs: 20, provisional: false,
    assumptions: ['G.729A with VAD: Ie 11, Bpl 19 (G.113 Appendix I)'],
  },
  g723: {
    row: 'G.723.1 6.3 kbit/s with VAD', Ie: 15, Bpl: 16.1, lookAheadMs: 7.5, defaultFrameMs: 30, provisional: false,
    assumptions: ['G.723.1 at 6.3 kbit/s with VAD: Ie 15, Bpl 16.1 (G.113 Appendix I); at 5.3 kbit/s Ie is 19'],
  },
  g726: {
    row: 'G.726 32 kbit/s', Ie: 7, Bpl: 4.3, lookAheadMs: 0, defaultFrameMs: 20, provisional: true,
    assumptions: ['G.726 at 32 kbit/s: Ie 7 (G.113 Appendix I); no Bpl is published for it: 4.3 (no concealment) assumed'],
  },
  ilbc: {
    row: 'iLBC (assumed values)', Ie: 11, Bpl: 19, lookAheadMs: 5, defaultFrameMs: 20, provisional: true,
    assumptions: ['iLBC has no Ie/Bpl in G.113 Appendix I: G.729A\'s Ie 11, Bpl 19 assumed (a codec of the same bit rate with concealment)'],
  },
  g722: {
    row: 'G.722 (scored as narrowband G.711 with PLC)', Ie: 0, Bpl: 25.1, lookAheadMs: 0, defaultFrameMs: 20, provisional: true,
    assumptions: ['G.722 is wideband: the narrowband E-model has no Ie/Bpl for it; scored with G.711 with PLC\'s Ie 0, Bpl 25.1 (a wideband codec sounds better than this scale can say)'],
  },
  opus: {
    row: 'Opus (scored as narrowband G.711 with PLC)', Ie: 0, Bpl: 25.1, lookAheadMs: 6.5, defaultFrameMs: 20, provisional: true,
    assumptions: ['Opus has no ITU-T Ie/Bpl: scored with G.711 with PLC\'s Ie 0, Bpl 25.1 in the narrowband E-model'],
  },
};

/**
 * the report's names (RFC 3551 PCMU/PCMA, Wireshark's g711A/g711U, a=rtpmap names), lower case without
 * punctuation, to the table's rows; G.729 and its annexes share a row, G.726 at 32 kbit/s too
 */
const ALIASES: Record<string, string> = {
  g711: 'pcmu', g711u: 'pcmu', g711ulaw: 'pcmu', g711a: 'pcma', g711alaw: 'pcma',
  g729a: 'g729', g729b: 'g729', g729ab: 'g729', g72632: 'g726', aal2g72632: 'g726', g7231: 'g723', g722: 'g722',
};

/** the codec's row, or null for what carries no voice to score (telephone-event, CN, unknown payload types) */
export function codecQuality(codec: string): CodecQuality | null {
  const key = codec.toLowerCase().replace(/[^a-z0-9]/g, '');
  return TABLE[key] ?? TABLE[ALIASES[key] ?? ''] ?? null;
}
