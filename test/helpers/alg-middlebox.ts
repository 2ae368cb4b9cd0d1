/**
 * Test-only: a rewriting SIP middlebox on loopback (UDP and TCP) between alg-check and alg-echo, with
 * the personalities the fingerprints tell apart. The "phone" writes PRIVATE into its messages
 * (alg-check --advertise), the box replaces it with PUBLIC on the way out and back on the way in, in the
 * places each kind of box is documented to touch (see src/detect/alg-active/fingerprint.ts).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';

export const PRIVATE = '10.1.2.3';
export const PUBLIC = '203.0.113.7';

export type Personality = 'plain' | 'fortigate' | 'juniper' | 'broken-content-length';

const HEADERS: Record<Exclude<Personality, 'plain'>, string[]> = {
  fortigate: ['via', 'from', 'call-id', 'contact', 'record-route', 'route'],
  juniper: ['via', 'from', 'call-id', 'contact', 'record-route'],
  'broken-content-length': ['via', 'contact'],
};

function name(line: string): string {
  return line.slice(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase();
}

/** rewrites one SIP message; `out` true toward the echo */
export function rewrite(text: string, p: Personality, out: boolean): string {
  if (p === 'plain') return text;
  const [from, to] = out ? [PRIVATE, PUBLIC] : [PUBLIC, PRIVATE];
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return text;
  const head = text.slice(0, end).split('\r\n');
  let body = text.slice(end + 4);
  const touch = HEADERS[p];
  const newHead = head.map((l, i) => (i > 0 && touch.includes(name(l)) ? l.split(from).join(to) : l));
  const isSdp = head.some((l) => /^content-type:\s*application\/sdp/i.test(l));
  if (out && isSdp) {
    const lines = body.split('\r\n').map((l) => (/^[oc]=/.test(l) ? l.split(from).join(to) : l));
    if (p === 'fortigate') {
      const o = lines.findIndex((l) => l.startsWith('s='));
      lines.splice(o + 1, 0, `i=(o=IN IP4 ${from})`);
    }
    body = lines.join('\r\n');
  }
  const fixLength = p !== 'broken-content-length';
  const finalHead = newHead.map((l) => (fixLength && name(l) === 'content-length' ? `Content-Length: ${Buffer.byteLength(body, 'latin1')}` : l));
  return `${finalHead.join('\r\n')}\r\n\r\n${body}`;
}

export interface Middlebox { port: number; close(): Promise<void> }

export async function startUdpMiddlebox(p: Personality, echoPort: number): Promise<Middlebox> {
  const front: UdpSocket = createSocket('udp4');
  const back: UdpSocket = createSocket('udp4');
  let client: { address: string; port: number } | null = null;
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => back.bind(0, '127.0.0.1', () => r()));
  front.on('message', (m, rinfo) => {
    client = { address: rinfo.address, port: rinfo.port };
    back.send(Buffer.from(rewrite(m.toString('latin1'), p, true), 'latin1'), echoPort, '127.0.0.1');
  });
  back.on('message', (m) => {
    if (client !== null) front.send(Buffer.from(rewrite(m.toString('latin1'), p, false), 'latin1'), client.port, client.address);
  });
  return {
    port: front.address().port,
    close: async () => { front.close(); back.close(); },
  };
}

/** splits a TCP byte stream into SIP messages (head + Content-Length) */
function framer(onMessage: (m: string) => void): (d: Buffer) => void {
  let buf = '';
  return (d) => {
    buf += d.toString('latin1');
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(`\r\n${buf.slice(0, end)}`);
      const total = end + 4 + (m === null ? 0 : Number(m[1]));
      if (buf.length < total) return;
      onMessage(buf.slice(0, total));
      buf = buf.slice(total);
    }
  };
}

export async function startTcpMiddlebox(p: Personality, echoPort: number): Promise<Middlebox> {
  const socks = new Set<Socket>();
  const server: Server = createServer((c) => {
    const up = connect({ host: '127.0.0.1', port: echoPort });
    socks.add(c);
    socks.add(up);
    c.on('data', framer((m) => up.write(Buffer.from(rewrite(m, p, true), 'latin1'))));
    up.on('data', framer((m) => c.write(Buffer.from(rewrite(m, p, false), 'latin1'))));
    for (const s of [c, up]) {
      s.on('error', () => undefined);
      s.on('close', () => { c.destroy(); up.destroy(); });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : 0,
    close: async () => {
      for (const s of socks) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
