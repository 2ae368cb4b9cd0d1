/**
 * MEGACO / H.248 text encoding (ITU-T H.248.1 Annex B), reduced to what ties RTP to a connection:
 * the transaction or reply id, each context's id, and the SDP of its Local and Remote descriptors
 * (long or short tokens: Local/L, Remote/R, Context/C, Transaction/T, Reply/P). Pure: never throws;
 * bytes that are not MEGACO text give null. The binary (ASN.1) encoding is not read.
 */
export interface MegacoSdp {
  /** the context the descriptor is in ("$" in a request that asks the gateway to choose one) */
  context: string;
  /** Local: where the gateway receives; Remote: where it sends */
  local: boolean;
  /** the descriptor's SDP, its lines without the message's indentation (a copy) */
  sdp: Buffer;
}

export interface MegacoMessage {
  /** Transaction = N (request) or Reply = N (answer) */
  kind: 'request' | 'reply';
  txId: string;
  descriptors: MegacoSdp[];
  /** contexts whose terminations a request subtracts (Subtract / S): their connections end */
  subtracted: string[];
}

const HEADER = /^\s*(?:MEGACO|!)\/\d/i;
const TX = /\b(Transaction|T|Reply|P)\s*=\s*(\d+)/i;
const TOKEN = /\b(Context|C|Local|L|Remote|R)\s*(=\s*([\w$*-]+)|\{)/gi;
const SUBTRACT = /\b(Context|C)\s*=\s*([\w-]+)\s*\{\s*(?:Subtract|S)\s*=/gi;

export function parseMegaco(buf: Buffer, start: number, end: number): MegacoMessage | null {
  const text = buf.toString('latin1', start, end);
  if (!HEADER.test(text)) return null;
  const tx = TX.exec(text);
  if (tx === null) return null;
  const kind = /^(Reply|P)$/i.test(tx[1]!) ? 'reply' : 'request';
  const descriptors: MegacoSdp[] = [];
  let context = '-';
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const word = m[1]!.toUpperCase();
    if (word === 'CONTEXT' || word === 'C') {
      if (m[3] !== undefined) context = m[3];
      continue;
    }
    if (m[2] !== '{') continue;
    // the descriptor's body up to its closing brace: SDP holds no braces (H.248.1 B.2 "octetString")
    const open = m.index + m[0].length;
    const close = text.indexOf('}', open);
    if (close < 0) break;
    const body = text.slice(open, close);
    const v = body.search(/v=0/);
    if (v >= 0) {
      // the SDP's lines are indented with the message: SDP has no leading blanks (RFC 4566 5), so a copy without them
      const lines = body.slice(v).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
      descriptors.push({ context, local: word === 'LOCAL' || word === 'L', sdp: Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1') });
    }
    TOKEN.lastIndex = close + 1;
  }
  const subtracted = kind === 'request' ? [...text.matchAll(SUBTRACT)].map((m) => m[2]!) : [];
  return { kind, txId: tx[2]!, descriptors, subtracted };
}
