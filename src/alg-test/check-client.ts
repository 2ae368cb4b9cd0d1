/**
 * alg-check's network side (edge): sends the REGISTER and the INVITE of detect/alg-active/messages.ts
 * to the echo over UDP (one socket bound to the local SIP port, as a phone) or TCP (one connection
 * from that port), collects each answer, and hands the bytes to the pure analysis.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { analyseExchange, type ExchangeResult } from '../detect/alg-active/analyse.js';
import { DEFAULT_PAD } from '../detect/alg-active/echo-protocol.js';
import { buildInvite, buildRegister, type RequestParams } from '../detect/alg-active/messages.js';
import { splitSip } from '../detect/alg-active/sip-text.js';

export interface CheckOptions {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** local SIP port (5060 like a phone; 0 for any) */
  localPort: number;
  /** the address to write into the messages (default: the socket's own) */
  advertise?: string;
  timeoutMs: number;
}

export interface CheckRun { local: string; exchanges: ExchangeResult[] }

export class NetworkError extends Error {}

function params(o: CheckOptions, localAddress: string, localPort: number): RequestParams {
  return {
    transport: o.transport, localAddress: o.advertise ?? localAddress, localPort, server: o.host, serverPort: o.port,
    key: randomBytes(16).toString('hex'), token: randomBytes(12).toString('hex'),
    rtpPort: 20000 + 2 * (randomBytes(2).readUInt16BE() % 5000), pad: DEFAULT_PAD,
  };
}

export async function runCheck(o: CheckOptions): Promise<CheckRun> {
  return o.transport === 'udp' ? runUdp(o) : runTcp(o);
}

async function runUdp(o: CheckOptions): Promise<CheckRun> {
  const sock: UdpSocket = createSocket({ type: o.host.includes(':') ? 'udp6' : 'udp4' });
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(o.localPort, () => sock.connect(o.port, o.host, () => { sock.off('error', reject); resolve(); }));
    });
    sock.on('error', () => undefined);
    const local = sock.address();
    const exchanges: ExchangeResult[] = [];
    for (const build of [buildRegister, buildInvite]) {
      const p = params(o, local.address, local.port);
      const sent = build(p);
      const method = sent.slice(0, sent.indexOf(' '));
      const reply = await udpExchange(sock, Buffer.from(sent, 'latin1'), method, o.timeoutMs);
      exchanges.push(analyseExchange(method, sent, reply, p.key));
    }
    return { local: `${local.address}:${local.port}`, exchanges };
  } finally {
    sock.close();
  }
}

/**
 * sends, resends twice at timeout/3, resolves with the first SIP response to `method` (by its CSeq:
 * a late answer to the REGISTER's retransmission is not the INVITE's) or null
 */
function udpExchange(sock: UdpSocket, msg: Buffer, method: string, timeoutMs: number): Promise<string | null> {
  const cseq = new RegExp(`\\r\\nCSeq:\\s*\\d+\\s+${method}\\r\\n`, 'i');
  return new Promise((resolve) => {
    let tries = 0;
    const send = (): void => { tries++; sock.send(msg); };
    const timer = setInterval(() => {
      if (tries >= 3) { done(null); return; }
      send();
    }, Math.max(200, Math.floor(timeoutMs / 3)));
    const onMsg = (d: Buffer): void => {
      const t = d.toString('latin1');
      if (t.startsWith('SIP/2.0 ') && cseq.test(t)) done(t);
    };
    const done = (v: string | null): void => { clearInterval(timer); sock.off('message', onMsg); resolve(v); };
    sock.on('message', onMsg);
    send();
  });
}

async function runTcp(o: CheckOptions): Promise<CheckRun> {
  const s: Socket = await new Promise((resolve, reject) => {
    const c = connect({ host: o.host, port: o.port, ...(o.localPort > 0 ? { localPort: o.localPort } : {}), timeout: o.timeoutMs });
    c.once('connect', () => { c.off('error', reject); resolve(c); });
    c.once('error', (e) => reject(new NetworkError(`cannot connect to ${o.host}:${o.port} over TCP: ${e.message}`)));
  });
  s.on('error', () => undefined);
  const reader = new TcpReader(s);
  try {
    const exchanges: ExchangeResult[] = [];
    for (const build of [buildRegister, buildInvite]) {
      const p = params(o, s.localAddress ?? '0.0.0.0', s.localPort ?? 0);
      const sent = build(p);
      s.write(Buffer.from(sent, 'latin1'));
      const reply = await reader.next(o.timeoutMs);
      exchanges.push(analyseExchange(sent.slice(0, sent.indexOf(' ')), sent, reply, p.key));
    }
    return { local: `${s.localAddress}:${s.localPort}`, exchanges };
  } finally {
    s.destroy();
  }
}

/** SIP over TCP framing for the client: head, then Content-Length bytes */
class TcpReader {
  private buf = '';
  private waiter: (() => void) | null = null;
  constructor(s: Socket) {
    s.on('data', (d: Buffer) => { this.buf += d.toString('latin1'); this.waiter?.(); });
    s.on('close', () => this.waiter?.());
  }

  private take(): string | null {
    const m = splitSip(this.buf);
    if (m === null) return null;
    const headLen = this.buf.length - m.body.length;
    const total = headLen + (m.contentLength ?? 0);
    if (this.buf.length < total) return null;
    const msg = this.buf.slice(0, total);
    this.buf = this.buf.slice(total);
    return msg;
  }

  async next(timeoutMs: number): Promise<string | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.take();
      if (m !== null) return m;
      const left = end - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(t); this.waiter = null; resolve(); };
      });
    }
  }
}
