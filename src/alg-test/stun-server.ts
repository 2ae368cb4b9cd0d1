/**
 * A minimal STUN server (RFC 5389 binding, RFC 5780 CHANGE-REQUEST for the port): two UDP sockets on
 * `port` and `port + 1` (3478/3479, as the XPhone port plan expects), each answering a binding request
 * with XOR-MAPPED-ADDRESS, OTHER-ADDRESS (same host, the other port) and RESPONSE-ORIGIN; a request
 * asking to change the port is answered from the other socket. Changing the IP is not offered
 * (one address), so OTHER-ADDRESS names the same IP. One answer per request, no larger than a
 * fixed 56 bytes: a request is at least 20, so the amplification is bounded, and rate-limited per
 * source (50/s). Datagrams that are not STUN are counted and dropped.
 */
import { createSocket, type Socket } from 'node:dgram';
import { SourceLimiter } from './rate-limit.js';
import { C, CHANGE_PORT, stun, type StunMessage, type StunServerHandle } from './stun-lib.js';

/** datagrams: all that arrived; requests: binding requests among them; malformed: those the decoder rejected (the rest were ignored) */
export interface StunServerStats { datagrams: number; requests: number; answered: number; changedPort: number; malformed: number; rateLimited: number }

export class StunServer {
  readonly stats: StunServerStats = { datagrams: 0, requests: 0, answered: 0, changedPort: 0, malformed: 0, rateLimited: 0 };
  /** 50 requests per second per source address, at most 4096 sources */
  private readonly limiter = new SourceLimiter(50, 50, 4096);
  private readonly sockets: Socket[] = [];
  private readonly servers: StunServerHandle[] = [];

  constructor(private readonly host: string, private readonly port: number) {}

  async start(): Promise<void> {
    for (const p of [this.port, this.port + 1]) {
      const sock = createSocket({ type: this.host.includes(':') ? 'udp6' : 'udp4' });
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(p, this.host, () => { sock.off('error', reject); resolve(); });
      });
      sock.on('error', () => undefined);
      sock.on('message', () => { this.stats.datagrams++; });
      this.sockets.push(sock);
      this.servers.push(stun.createServer({ type: this.host.includes(':') ? 'udp6' : 'udp4', socket: sock }));
    }
    this.servers.forEach((srv, i) => {
      srv.on(C.EVENT_BINDING_REQUEST, (req, rinfo) => this.onRequest(i, req, rinfo));
      srv.on('error', () => { this.stats.malformed++; });
    });
  }

  private onRequest(i: number, req: StunMessage, rinfo: { address: string; port: number }): void {
    this.stats.requests++;
    if (!this.limiter.allow(rinfo.address, Date.now())) {
      this.stats.rateLimited++;
      return;
    }
    const flags = Number(req.getAttribute(C.CHANGE_REQUEST)?.value ?? 0);
    const from = (flags & CHANGE_PORT) !== 0 ? 1 - i : i;
    if (from !== i) this.stats.changedPort++;
    const res = stun.createMessage(C.BINDING_RESPONSE, req.transactionId);
    res.addXorAddress(rinfo.address, rinfo.port);
    const ip = this.sockets[from]!.address().address;
    res.addAttribute(C.RESPONSE_ORIGIN, ip, this.port + from);
    res.addAttribute(C.OTHER_ADDRESS, ip, this.port + (1 - from));
    this.servers[from]!.send(res, rinfo.port, rinfo.address);
    this.stats.answered++;
  }

  async close(): Promise<void> {
    for (const s of this.servers) s.close();
    await Promise.all(this.sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
