/**
 * MGCP (RFC 3435) text messages, reduced to what ties RTP to a connection: the command's verb,
 * transaction id, endpoint and call id (C:), or the response's code and transaction id, and the SDP
 * after the blank line (a command's RemoteConnectionDescriptor, a response's LocalConnectionDescriptor).
 * Piggybacked messages (separated by a line "."; RFC 3435 3.5.5) are returned one by one. Pure: never
 * throws; bytes that are not MGCP give null.
 */
export type MgcpMessage =
  | { kind: 'command'; verb: string; txId: string; endpoint: string; callId: string | null; sdp: Buffer | null }
  | { kind: 'response'; code: number; txId: string; sdp: Buffer | null };

/** RFC 3435 2.3: the commands (and the extension verbs some gateways send, which start with X) */
const VERBS = new Set(['EPCF', 'CRCX', 'MDCX', 'DLCX', 'RQNT', 'NTFY', 'AUEP', 'AUCX', 'RSIP']);
const COMMAND = /^([A-Z][A-Z0-9]{3}) (\d{1,9}) (\S+) MGCP 1\.\d+(?: \S+)?$/;
const RESPONSE = /^(\d{3}) (\d{1,9})(?: .*)?$/;

export function parseMgcp(buf: Buffer, start: number, end: number): MgcpMessage[] | null {
  if (end - start < 8) return null;
  const text = buf.toString('latin1', start, end);
  const out: MgcpMessage[] = [];
  const sep = /\r?\n\.\r?\n/g;
  let from = 0;
  for (;;) {
    const hit = sep.exec(text);
    const to = hit === null ? text.length : hit.index;
    const m = message(buf, start + from, text.slice(from, to));
    if (m === null) return out.length > 0 ? out : null;
    out.push(m);
    if (hit === null) return out;
    from = hit.index + hit[0].length;
  }
}

function message(buf: Buffer, at: number, part: string): MgcpMessage | null {
  const nl = part.indexOf('\n');
  const first = (nl < 0 ? part : part.slice(0, nl)).replace(/\r$/, '');
  const blank = /\r?\n\r?\n/.exec(part);
  const head = blank === null ? part : part.slice(0, blank.index);
  const sdpAt = blank === null ? -1 : blank.index + blank[0].length;
  const sdp = sdpAt >= 0 && part.startsWith('v=', sdpAt) ? buf.subarray(at + sdpAt, at + part.length) : null;
  const c = COMMAND.exec(first);
  if (c !== null && (VERBS.has(c[1]!) || c[1]!.startsWith('X'))) {
    const call = /^C\s*:\s*(\S+)/im.exec(head);
    return { kind: 'command', verb: c[1]!, txId: c[2]!, endpoint: c[3]!, callId: call === null ? null : call[1]!, sdp };
  }
  const r = RESPONSE.exec(first);
  if (r !== null) return { kind: 'response', code: Number(r[1]), txId: r[2]!, sdp };
  return null;
}
