/**
 * Static RTP payload types (RFC 3551 section 6, tables 4 and 5), named as Wireshark's
 * rtp_payload_type_short_vals prints them in `tshark -z rtp,streams` (so our codec column matches
 * tshark's), with the RTP clock rates of RFC 3551. G.722 is the classic trap: it samples at
 * 16 kHz but its RTP clock runs at 8000 Hz (RFC 3551 4.5.2).
 */

export interface StaticPayloadType {
  codec: string;
  clockRate: number;
}

const TABLE: ReadonlyArray<readonly [number, string, number]> = [
  [0, 'g711U', 8000],
  [1, 'fs-1016', 8000],
  [2, 'g721', 8000],
  [3, 'GSM', 8000],
  [4, 'g723', 8000],
  [5, 'DVI4 8k', 8000],
  [6, 'DVI4 16k', 16000],
  [7, 'Exp. from Xerox PARC', 8000],
  [8, 'g711A', 8000],
  [9, 'g722', 8000],
  [10, '16-bit audio, stereo', 44100],
  [11, '16-bit audio, monaural', 44100],
  [12, 'Qualcomm', 8000],
  [13, 'CN', 8000],
  [14, 'MPEG-I/II Audio', 90000],
  [15, 'g728', 8000],
  [16, 'DVI4 11k', 11025],
  [17, 'DVI4 22k', 22050],
  [18, 'g729', 8000],
  [19, 'CN(old)', 8000],
  [25, 'CellB', 90000],
  [26, 'JPEG', 90000],
  [28, 'NV', 90000],
  [31, 'h261', 90000],
  [32, 'MPEG-I/II Video', 90000],
  [33, 'MPEG-II streams', 90000],
  [34, 'h263', 90000],
];

const BY_PT: Array<StaticPayloadType | undefined> = new Array<StaticPayloadType | undefined>(128);
for (const [pt, codec, clockRate] of TABLE) BY_PT[pt] = Object.freeze({ codec, clockRate });

/** The static assignment for a payload type, or undefined for unassigned and dynamic (96-127) ones. */
export function staticPayloadType(pt: number): StaticPayloadType | undefined {
  return pt >= 0 && pt < 128 ? BY_PT[pt] : undefined;
}
