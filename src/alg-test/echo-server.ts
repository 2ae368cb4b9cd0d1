/**
 * The alg-echo server (edge: sockets). UDP and TCP on one address; every message goes through the
 * pure answer() of detect/alg-active/echo-answer.ts. It never sends anywhere but back to the source
 * of a message, reads at most MAX_MESSAGE_BYTES per message, rate-limits per source address in a
 * bounded table, and counts every outcome.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { answer, type EchoOutcome } from '../detect/alg-active/echo-answer.js';
import { MAX_MESSAGE_BYTES } from '../detect/alg-active/echo-protocol.js';
import { SourceLimiter } from './rate-limit.js';

export interface EchoStats {
  received: number;
  answered: number;
  bytesIn: number;
  bytesOut: number;
  rateLimited: number;
  /** the largest reply minus its request, over all replies */
  maxReplyGrowth: number;
  outcomes: Record<EchoOutcome, number>;
  sourcesTracked: number;
  sourcesEvicted: number;
  tcpConnections: number;
}

export interface EchoServerOptions {
  host: string;
  port: number;
  udp: boolean;
  tcp: boolean;
  /** messages per second per source (burst the same) */
  ratePerSecond?: number;
  maxSources?: number;
  /** concurrent TCP connections */
  maxConnections?: number;
}

export class EchoServer {
  readonly stats: EchoStats = {
    received: 0, answered: 0, bytesIn: 0, bytesOut: 0, rateLimited: 0, maxReplyGrowth: 0, sourcesTracked: 0, sourcesEvicted: 0, tcpConnections: 0,
    outcomes: { echoed: 0, oversized: 0, malformed: 0, 'not-test': 0, 'response-ignored': 0, 'too-large-reply': 0 },
  };
  private udp: UdpSocket | null = null;
  private tcp: Server | null = null;
  private readonly limiter: SourceLimiter;
  private readonly conns = new Set<Socket>();

  constructor(private readonly opts: EchoServerOptions) {
    const rate = opts.ratePerSecond ?? 20;
    this.limiter = new SourceLimiter(rate, rate, opts.maxSources ?? 4096);
  }

  async start(): Promise<void> {
    if (this.opts.udp) {
      const udp = createSocket({ type: this.opts.host.includes(':') ? 'udp6' : 'udp4' });
      this.udp = udp;
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.opts.port, this.opts.host, () => { udp.off('error', reject); resolve(); });
      });
      udp.on('error', () => undefined);
      udp.on('message', (msg, rinfo) => {
        const reply = this.handle(msg, `${rinfo.address}:${rinfo.port}`, rinfo.address, 'udp');
        if (reply !== null) udp.send(reply, rinfo.port, rinfo.address);
      });
    }
    if (this.opts.tcp) {
      const tcp = createServer((s) => this.onConnection(s));
      tcp.maxConnections = this.opts.maxConnections ?? 64;
      this.tcp = tcp;
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(this.opts.port, this.opts.host, () => { tcp.off('error', reject); resolve(); });
      });
    }
  }

  private handle(msg: Buffer, source: string, sourceIp: string, transport: 'udp' | 'tcp'): Buffer | null {
    this.stats.received++;
    this.stats.bytesIn += msg.length;
    if (!this.limiter.allow(sourceIp, Date.now())) {
      this.stats.rateLimited++;
      this.syncTable();
      return null;
    }
    this.syncTable();
    const a = answer(msg, source, transport);
    this.stats.outcomes[a.outcome]++;
    if (a.reply === null) return null;
    const reply = Buffer.from(a.reply, 'latin1');
    this.stats.answered++;
    this.stats.bytesOut += reply.length;
    this.stats.maxReplyGrowth = Math.max(this.stats.maxReplyGrowth, reply.length - msg.length);
    return reply;
  }

  private syncTable(): void {
    this.stats.sourcesTracked = this.limiter.size;
    this.stats.sourcesEvicted = this.limiter.evicted;
  }

  /** TCP framing: header up to CRLFCRLF, then Content-Length bytes; more than MAX_MESSAGE_BYTES closes the connection */
  private onConnection(s: Socket): void {
    this.stats.tcpConnections++;
    this.conns.add(s);
    s.setTimeout(30_000, () => s.destroy());
    s.on('close', () => this.conns.delete(s));
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_MESSAGE_BYTES) this.dropConnection(s, buf.length);
          return;
        }
        const head = buf.subarray(0, end).toString('latin1');
        const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d{1,6})/i.exec(`\r\n${head}`);
        const total = end + 4 + (m === null ? 0 : Number(m[1]));
        if (total > MAX_MESSAGE_BYTES) return this.dropConnection(s, total);
        if (buf.length < total) return;
        const msg = buf.subarray(0, total);
        buf = buf.subarray(total);
        const reply = this.handle(msg, `${s.remoteAddress}:${s.remotePort}`, s.remoteAddress ?? '?', 'tcp');
        if (reply !== null) s.write(reply);
      }
    });
  }

  private dropConnection(s: Socket, bytes: number): void {
    this.stats.received++;
    this.stats.bytesIn += bytes;
    this.stats.outcomes.oversized++;
    s.destroy();
  }

  async close(): Promise<void> {
    this.udp?.close();
    for (const c of this.conns) c.destroy();
    await new Promise<void>((resolve) => (this.tcp === null ? resolve() : this.tcp.close(() => resolve())));
  }
}
