/**
 * The HEP collector, a live source at the edge: UDP and TCP listeners on one port that decode HEP
 * (src/decode/hep.ts), check the capture password, pass each accepted packet on unchanged to
 * `--hep-forward`, and hand SIP and RTCP payloads to the pipeline's datagram entry with the
 * original addresses, ports, capture time and agent id (source "hep:<agent id>").
 *
 * TCP carries HEPv3 packets back to back: HepStreamFramer cuts them by the HEP length, with a
 * byte limit per connection; a connection that sends something else, or a packet above the limit,
 * is counted and closed.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket as TcpSocket } from 'node:net';
import { decodeHep, hep3FrameLength, HEP_PROTO_TYPE_RTCP, HEP_PROTO_TYPE_SIP, type HepErrorCode, type HepPacket } from '../../decode/hep.js';
import type { Datagram } from '../../pipeline/datagram.js';

/** why a HEP packet was not analysed (the label values of voipready_hep_errors_total) */
export const HEP_ERROR_REASONS = [
  'not_hep', 'truncated', 'bad_length', 'bad_chunk', 'missing_field', 'bad_compression',
  'auth', 'unsupported_payload', 'not_ip', 'stream_overflow',
] as const;
export type HepErrorReason = (typeof HEP_ERROR_REASONS)[number];

export function reasonOfCode(code: HepErrorCode): HepErrorReason {
  return code.slice(4).toLowerCase() as HepErrorReason;
}

/** default per-connection buffer: one largest HEP packet (the length field is 16 bits) */
export const HEP_MAX_STREAM_BUFFER = 65_535;
/** TCP senders at once (each holds at most one buffer): more are refused by the kernel's accept path */
export const HEP_MAX_TCP_CONNECTIONS = 256;

/**
 * The datagram of a decoded HEP packet, or null when its payload is not something the pipeline
 * takes (SIP, or RTCP as binary: JSON RTCP reports of heplify/rtpengine are not taken yet).
 */
export function hepToDatagram(p: HepPacket, receivedMs: number): Datagram | null {
  const payload = Buffer.from(p.payload.buffer, p.payload.byteOffset, p.payload.length);
  if (p.protoType === HEP_PROTO_TYPE_RTCP) {
    if (payload.length < 4 || payload[0]! >>> 6 !== 2) return null;
  } else if (p.protoType !== HEP_PROTO_TYPE_SIP) {
    return null;
  }
  const sec = p.tsSec ?? Math.floor(receivedMs / 1000);
  const usec = p.tsSec === null ? Math.round((receivedMs % 1000) * 1000) : (p.tsUsec ?? 0);
  return {
    src: p.src, srcPort: p.srcPort, dst: p.dst, dstPort: p.dstPort,
    transport: p.ipProtocol === 6 ? 'tcp' : 'udp',
    tsSec: sec + Math.floor(usec / 1e6), tsNsec: (usec % 1e6) * 1000,
    dscp: null, payload, source: p.agentId === null ? 'hep' : `hep:${p.agentId}`,
  };
}

/** HEPv3 packets back to back on a byte stream; zero copy unless a packet spans chunks */
export class HepStreamFramer {
  private pending: Buffer | null = null;

  constructor(private readonly maxBuffer = HEP_MAX_STREAM_BUFFER) {}

  /** the complete packets in `chunk` (plus what was pending), or the reason the stream is broken */
  push(chunk: Buffer): Buffer[] | HepErrorReason {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    const out: Buffer[] = [];
    let at = 0;
    while (at < buf.length) {
      const n = hep3FrameLength(buf, at, buf.length);
      if (typeof n !== 'number') return reasonOfCode(n.code);
      if (n === 0) break;
      out.push(buf.subarray(at, at + n));
      at += n;
    }
    if (at < buf.length) {
      if (buf.length - at > this.maxBuffer) return 'stream_overflow';
      this.pending = Buffer.from(buf.subarray(at));
    }
    return out;
  }
}

export interface HepEndpoint {
  host: string;
  port: number;
}

export interface HepCollectorOptions {
  listen: HepEndpoint;
  /** chunk 14 must equal this when set */
  password?: string | null;
  /** every accepted packet is sent on, byte for byte, over UDP */
  forward?: HepEndpoint | null;
  maxInflated?: number;
  maxStreamBuffer?: number;
  /** an accepted packet with a SIP or RTCP payload */
  onDatagram(d: Datagram): void;
  /** every decoded, accepted packet (for the per-agent counter) */
  onPacket?(p: HepPacket): void;
  onError?(reason: HepErrorReason): void;
  now?: () => number;
}

export interface HepCollector {
  /** the UDP and TCP port (the same; port 0 resolves to a free one) */
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

export async function startHepCollector(opts: HepCollectorOptions): Promise<HepCollector> {
  const now = opts.now ?? Date.now;
  const type = isIP(opts.listen.host) === 6 ? 'udp6' : 'udp4';
  const fwd = opts.forward ?? null;
  const fwdSocket = fwd === null ? null : createSocket(isIP(fwd.host) === 6 ? 'udp6' : 'udp4');
  fwdSocket?.on('error', () => undefined);
  const handle = (bytes: Buffer): void => {
    const r = decodeHep(bytes, 0, bytes.length, opts.maxInflated !== undefined ? { maxInflated: opts.maxInflated } : {});
    if (!r.ok) {
      opts.onError?.(reasonOfCode(r.code));
      return;
    }
    if (opts.password !== undefined && opts.password !== null && r.value.authKey !== opts.password) {
      opts.onError?.('auth');
      return;
    }
    if (fwdSocket !== null && fwd !== null) fwdSocket.send(bytes, fwd.port, fwd.host);
    opts.onPacket?.(r.value);
    const d = hepToDatagram(r.value, now());
    if (d === null) opts.onError?.('unsupported_payload');
    else opts.onDatagram(d);
  };
  const { udp, tcp } = await bindBoth(type, opts.listen, handle, opts);
  const port = udp.address().port;
  return {
    port,
    address: `${type === 'udp6' ? `[${opts.listen.host}]` : opts.listen.host}:${port}`,
    close: async () => {
      await new Promise<void>((r) => udp.close(() => r()));
      await closeTcp(tcp);
      fwdSocket?.close();
    },
  };
}

const tcpConnections = new WeakMap<Server, Set<TcpSocket>>();

/** UDP first, then TCP on the port UDP got (a few tries when port 0 lands on a TCP port in use) */
async function bindBoth(type: 'udp4' | 'udp6', at: HepEndpoint, handle: (b: Buffer) => void, opts: HepCollectorOptions): Promise<{ udp: Socket; tcp: Server }> {
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket(type);
    udp.on('message', handle);
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(at.port, at.host, () => resolve());
    });
    udp.on('error', () => undefined);
    try {
      const tcp = await listenTcp(at.host, udp.address().port, handle, opts);
      return { udp, tcp };
    } catch (err) {
      udp.close();
      if (at.port !== 0 || attempt >= 5) throw err;
    }
  }
}

function listenTcp(host: string, port: number, handle: (b: Buffer) => void, opts: HepCollectorOptions): Promise<Server> {
  const conns = new Set<TcpSocket>();
  const server = createServer((sock) => {
    conns.add(sock);
    const framer = new HepStreamFramer(opts.maxStreamBuffer);
    sock.on('data', (chunk) => {
      const frames = framer.push(chunk);
      if (typeof frames === 'string') {
        opts.onError?.(frames);
        sock.destroy();
        return;
      }
      for (const f of frames) handle(f);
    });
    sock.on('error', () => undefined);
    sock.on('close', () => conns.delete(sock));
  });
  server.maxConnections = HEP_MAX_TCP_CONNECTIONS;
  tcpConnections.set(server, conns);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeTcp(server: Server): Promise<void> {
  for (const s of tcpConnections.get(server) ?? []) s.destroy();
  return new Promise((r) => server.close(() => r()));
}
