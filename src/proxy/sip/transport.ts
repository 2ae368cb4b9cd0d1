/**
 * The proxy's SIP transports, at the edge: one UDP socket and one TCP listener on the SIP port, and
 * the TCP connections it opens to upstreams. Each received message comes out whole (UDP: one
 * datagram; TCP: framed by Content-Length, RFC 3261 18.3) with the flow it arrived on, so that a
 * response or an in-dialog request can go back the same way (a phone behind NAT is reachable only
 * there, RFC 5626's idea of a flow).
 *
 * With a certificate, SIP over TLS (RFC 3261 26.2, port 5061 by default) is accepted on the listen
 * side too: the proxy terminates it, so what the phones sent is analysed in clear text (what no
 * capture of the same traffic shows), and relays it to the upstream over UDP/TCP as configured.
 * Responses and in-dialog requests go back on the client's TLS connection (none is dialled).
 *
 * UDP uses the udp_tos addon's socket when it is built: the DSCP of each received SIP datagram is
 * read and forwarded SIP is marked (CS3 by default); Node's dgram otherwise (DSCP unknown).
 *
 * Bounds: at most MAX_TCP_CONNECTIONS accepted connections; a connection that holds an unfinished
 * message longer than HEADER_TIMEOUT_MS (slowloris) or stays idle beyond IDLE_TIMEOUT_MS is closed;
 * the framer caps what one connection may buffer.
 */
import { connect, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { nowMs, openSocket, type ProbeSocket } from '../../probe/socket.js';
import { SipStreamFramer } from '../../reassembly/sip-framing.js';

export type SipTransportName = 'udp' | 'tcp' | 'tls';

/** where a message came from or goes to */
export interface Flow {
  transport: SipTransportName;
  address: string;
  port: number;
}

export interface InboundSip {
  bytes: Buffer;
  flow: Flow;
  /** the local address:port it arrived on */
  local: { address: string; port: number };
  atMs: number;
  dscp: number | null;
}

export interface TransportCounters {
  tcpConnections: number;
  tcpRefused: number;
  tcpSlowClosed: number;
  framingErrors: number;
  sendErrors: number;
  /** TLS connections that failed their handshake (wrong certificate, not TLS, too slow) */
  tlsHandshakeErrors: number;
}

export const MAX_TCP_CONNECTIONS = 1024;
const HEADER_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 15 * 60_000;
const MAX_TCP_MESSAGE = 64 * 1024;
const MAX_QUEUED_BYTES = 1024 * 1024;
/** how long a TCP connection toward the upstream may take before a large request goes over UDP after all */
const TCP_DIAL_MS = 2000;

export const flowKey = (f: Flow): string => `${f.transport}:${f.address}:${f.port}`;

interface Connection {
  sock: TcpSocket;
  framer: SipStreamFramer;
  /** when the unfinished message started, null when nothing is pending */
  pendingSince: number | null;
}

/** the listen side's TLS: certificate chain and key (PEM), and where to listen */
export interface TlsListen {
  cert: Buffer;
  key: Buffer;
  port: number;
}

export class SipTransports {
  private udp: ProbeSocket | null = null;
  private tcp: Server | null = null;
  private tls: TlsServer | null = null;
  /** the TLS port bound (0 without TLS) */
  tlsPort = 0;
  private readonly conns = new Map<string, Connection>();
  private slowTimer: NodeJS.Timeout | null = null;
  readonly counters: TransportCounters = { tcpConnections: 0, tcpRefused: 0, tcpSlowClosed: 0, framingErrors: 0, sendErrors: 0, tlsHandshakeErrors: 0 };
  localPort = 0;
  /** a TCP connection the proxy dialled could not be made (refused, unreachable): the upstream's failover hook */
  onDialFailed: ((flow: Flow) => void) | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly sipDscp: number | null,
    private readonly onMessage: (m: InboundSip) => void,
    private readonly tlsListen: TlsListen | null = null,
  ) {}

  get dscpCapable(): boolean {
    return this.udp?.dscpCapable === true;
  }

  async start(): Promise<void> {
    const family = this.host.includes(':') ? 6 : 4;
    this.udp = openSocket(family, (m) => this.onMessage({
      bytes: m.data, flow: { transport: 'udp', address: m.address, port: m.port },
      local: { address: this.host, port: this.localPort }, atMs: m.atMs, dscp: m.dscp,
    }));
    this.localPort = await this.udp.bind(this.host, this.port);
    this.tcp = createServer((sock) => this.accept(sock));
    this.tcp.maxConnections = MAX_TCP_CONNECTIONS;
    this.tcp.on('drop', () => this.counters.tcpRefused++);
    await new Promise<void>((resolve, reject) => {
      this.tcp!.once('error', reject);
      this.tcp!.listen(this.localPort, this.host, () => resolve());
    });
    if (this.tlsListen !== null) await this.startTls(this.tlsListen);
    this.slowTimer = setInterval(() => this.closeSlow(), 1000);
    this.slowTimer.unref();
  }

  private async startTls(t: TlsListen): Promise<void> {
    // the handshake must finish within the slowloris bound too
    this.tls = createTlsServer({ cert: t.cert, key: t.key, handshakeTimeout: HEADER_TIMEOUT_MS }, (sock: TLSSocket) => {
      const flow: Flow = { transport: 'tls', address: normaliseAddress(sock.remoteAddress ?? ''), port: sock.remotePort ?? 0 };
      this.attach(sock, flow);
    });
    this.tls.maxConnections = MAX_TCP_CONNECTIONS;
    this.tls.on('drop', () => this.counters.tcpRefused++);
    this.tls.on('tlsClientError', () => this.counters.tlsHandshakeErrors++);
    await new Promise<void>((resolve, reject) => {
      this.tls!.once('error', reject);
      this.tls!.listen(t.port, this.host, () => resolve());
    });
    this.tlsPort = (this.tls.address() as { port: number }).port;
  }

  /** send a message on a flow: UDP as one datagram, TCP on the flow's connection (opened when missing) */
  send(flow: Flow, bytes: Buffer): void {
    if (flow.transport === 'udp') {
      try {
        this.udp?.send(bytes, flow.address, flow.port, this.sipDscp ?? 0);
      } catch {
        this.counters.sendErrors++;
      }
      return;
    }
    const known = this.conns.get(flowKey(flow));
    if (known === undefined && flow.transport === 'tls') {
      // a TLS client's connection is gone: it is not dialled back (the phone reconnects)
      this.counters.sendErrors++;
      return;
    }
    const c = known ?? this.dial(flow);
    if (c.sock.writableLength > MAX_QUEUED_BYTES) {
      this.counters.sendErrors++;
      return;
    }
    c.sock.write(bytes);
  }

  /**
   * A message that must go over TCP when it can (RFC 3261 18.1.1: a request too large for UDP): on
   * the flow's connection, dialled when missing; `sent` once it is written, `failed` when the
   * connection cannot be made within TCP_DIAL_MS (the caller then sends it over UDP after all).
   */
  sendOrElse(flow: Flow, bytes: Buffer, sent: () => void, failed: () => void): void {
    const c = this.conns.get(flowKey(flow)) ?? this.dial(flow);
    if (!c.sock.connecting && !c.sock.destroyed) {
      this.send(flow, bytes);
      sent();
      return;
    }
    let settled = false;
    const settle = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok) {
        c.sock.write(bytes);
        sent();
      } else {
        c.sock.destroy();
        failed();
      }
    };
    const timer = setTimeout(() => settle(false), TCP_DIAL_MS);
    timer.unref();
    c.sock.once('connect', () => settle(true));
    c.sock.once('close', () => settle(false));
  }

  hasConnection(flow: Flow): boolean {
    return this.conns.has(flowKey(flow));
  }

  async close(): Promise<void> {
    if (this.slowTimer !== null) clearInterval(this.slowTimer);
    for (const c of this.conns.values()) c.sock.destroy();
    this.conns.clear();
    this.udp?.close();
    await new Promise<void>((resolve) => (this.tcp === null ? resolve() : this.tcp.close(() => resolve())));
    await new Promise<void>((resolve) => (this.tls === null ? resolve() : this.tls.close(() => resolve())));
  }

  private accept(sock: TcpSocket): void {
    const flow: Flow = { transport: 'tcp', address: normaliseAddress(sock.remoteAddress ?? ''), port: sock.remotePort ?? 0 };
    this.attach(sock, flow);
  }

  /** a connection toward an upstream (or back to a client whose connection closed: then it fails, counted) */
  private dial(flow: Flow): Connection {
    const sock = connect({ host: flow.address, port: flow.port });
    let connected = false;
    sock.once('connect', () => (connected = true));
    sock.on('error', () => {
      this.counters.sendErrors++;
      if (!connected) this.onDialFailed?.(flow);
    });
    return this.attach(sock, flow);
  }

  private attach(sock: TcpSocket, flow: Flow): Connection {
    const key = flowKey(flow);
    const c: Connection = { sock, framer: new SipStreamFramer({ maxBufferedBytes: MAX_TCP_MESSAGE }), pendingSince: null };
    this.conns.set(key, c);
    this.counters.tcpConnections++;
    sock.setNoDelay(true);
    sock.setTimeout(IDLE_TIMEOUT_MS, () => sock.destroy());
    sock.on('error', () => undefined);
    sock.on('close', () => {
      if (this.conns.get(key) === c) this.conns.delete(key);
    });
    sock.on('data', (chunk: Buffer) => {
      const atMs = nowMs();
      const errorsBefore = c.framer.errors;
      let got = false;
      c.framer.push(chunk, (bytes) => {
        got = true;
        // the framer's views are of a buffer it may reuse: the message is copied before it leaves
        this.onMessage({ bytes: Buffer.from(bytes), flow, local: { address: this.host, port: this.localPort }, atMs, dscp: null });
      });
      if (c.framer.errors > errorsBefore) {
        this.counters.framingErrors += c.framer.errors - errorsBefore;
        sock.destroy();
        return;
      }
      c.pendingSince = c.framer.pendingBytes > 0 ? (got || c.pendingSince === null ? atMs : c.pendingSince) : null;
    });
    return c;
  }

  private closeSlow(): void {
    const now = nowMs();
    for (const c of this.conns.values()) {
      if (c.pendingSince !== null && now - c.pendingSince > HEADER_TIMEOUT_MS) {
        this.counters.tcpSlowClosed++;
        c.sock.destroy();
      }
    }
  }
}

/** "::ffff:192.0.2.1" (a v4 peer on a dual-stack socket) as the v4 address the SIP side writes */
export function normaliseAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
