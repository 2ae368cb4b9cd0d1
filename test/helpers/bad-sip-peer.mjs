#!/usr/bin/env node
/**
 * Test-only: a hostile peer for test/e2e/proxy-bad-input.test.ts, run as its own process inside a network
 * namespace (`ip netns exec NS node bad-sip-peer.mjs MODE --key value ...`). Each mode sends one kind
 * of bad input to the proxy, bounded in count and time, and prints one JSON line with what it sent
 * (and, for TCP, what the proxy did to its connections), then exits:
 *
 *   malformed  --to IP:PORT --from-ip IP --count N    SIP-looking and binary datagrams that are not SIP
 *   big-udp    --to IP:PORT --from-ip IP              one OPTIONS of 65507 bytes (the largest UDP payload), sent again
 *                                                     until answered (4 times at most)
 *   big-tcp    --to IP:PORT --from-ip IP --bytes N    one TCP message whose headers never end (N bytes)
 *   junk-rtp   --to IP:FIRST-LAST --from-ip IP --rate R --seconds S
 *                                                     random bytes and RTP-looking packets to every port
 *   slowloris  --to IP:PORT --from-ip IP --conns N --seconds S
 *                                                     N TCP connections, each sending one byte every 2 s
 *   flood      --to IP:PORT --from-ip IP --rate R --seconds S --domain D
 *                                                     REGISTER and INVITE (no SDP) alternately, each with its
 *                                                     own Call-ID, from one source port
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

const [mode, ...rest] = process.argv.slice(2);
const args = {};
for (let i = 0; i < rest.length; i += 2) {
  args[rest[i].replace(/^--/, '')] = rest[i + 1];
}
const [toIp, toPorts] = (args.to ?? '').split(':');
const [firstPort, lastPort] = (toPorts ?? '').split('-').map(Number);
const fromIp = args['from-ip'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const out = (o) => process.stdout.write(`${JSON.stringify({ mode, ...o })}\n`);

const modes = { malformed, 'big-udp': bigUdp, 'big-tcp': bigTcp, 'junk-rtp': junkRtp, slowloris, flood };
if (modes[mode] === undefined) {
  throw new Error(`bad-sip-peer: unknown mode ${mode}`);
}
await modes[mode]();
process.exit(0);

async function udpSocket() {
  const s = dgram.createSocket('udp4');
  s.on('error', () => undefined);
  await new Promise((resolve) => s.bind(0, fromIp, resolve));
  return s;
}

async function sendAll(s, msgs, port) {
  for (const m of msgs) {
    await new Promise((resolve) => s.send(m, port ?? firstPort, toIp, resolve));
  }
}

/** what a broken or hostile client sends: the parser must refuse each, naming why, and go on */
function malformedMessages(n) {
  const kinds = [
    () => Buffer.from('INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP\r\n\r\n'),
    () => Buffer.from('INVITE sip:x@y SIP/2.0\r\nContent-Length: 99999\r\n\r\nv=0\r\n'),
    () => Buffer.from('SIP/2.0 abc Broken\r\n\r\n'),
    () => Buffer.from('OPTIONS\r\n\r\n'),
    () => Buffer.from(`REGISTER sip:${toIp} SIP/2.0\r\nVia: SIP/2.0/UDP ${fromIp};branch=z9hG4bK1\r\nCall-ID:\r\nCSeq: x\r\n\r\n`),
    () => Buffer.concat([Buffer.from('INVITE '), randomBytes(200)]),
    () => randomBytes(300),
    () => Buffer.from('INVITE sip:x@y SIP/2.0\r\n' + 'X: y\r\n'.repeat(10) + 'Content-Length: -5\r\n\r\n'),
  ];
  return Array.from({ length: n }, (_, i) => kinds[i % kinds.length]());
}

async function malformed() {
  const s = await udpSocket();
  const n = Number(args.count ?? 200);
  await sendAll(s, malformedMessages(n));
  s.close();
  out({ sent: n });
}

async function bigUdp() {
  const s = await udpSocket();
  const head = `OPTIONS sip:${toIp} SIP/2.0\r\nVia: SIP/2.0/UDP ${fromIp}:${s.address().port};branch=z9hG4bK-big\r\n` +
    `From: <sip:big@${fromIp}>;tag=1\r\nTo: <sip:${toIp}>\r\nCall-ID: big-udp@${fromIp}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n`;
  const tail = 'Content-Length: 0\r\n\r\n';
  const fill = 65507 - head.length - tail.length - 'X-Fill: \r\n'.length;
  const msg = Buffer.from(`${head}X-Fill: ${'a'.repeat(fill)}\r\n${tail}`);
  let error = null;
  let answer = null;
  s.on('message', (m) => { answer ??= m.toString('latin1').split('\r\n')[0]; });
  // as a user agent does over UDP (RFC 3261 17.1.2.2, T1 = 500 ms): sent again until answered, 4 times at most
  let attempts = 0;
  while (answer === null && attempts < 4 && error === null) {
    attempts++;
    await new Promise((resolve) => s.send(msg, firstPort, toIp, (err) => { error = err?.message ?? null; resolve(); }));
    for (let i = 0; i < 5 * attempts && answer === null; i++) await sleep(100);
  }
  s.close();
  out({ sent: attempts, bytes: msg.length, error, answer });
}

function tcpConnect() {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: toIp, port: firstPort, localAddress: fromIp }, () => resolve(c));
    c.once('error', reject);
  });
}

async function bigTcp() {
  const c = await tcpConnect();
  const total = Number(args.bytes ?? 100_000);
  let closedByPeer = false;
  c.on('error', () => undefined);
  c.on('close', () => { closedByPeer = true; });
  c.write(`INVITE sip:${toIp} SIP/2.0\r\n`);
  let sent = 0;
  while (sent < total && !closedByPeer) {
    const chunk = Buffer.from(`X-Long: ${'b'.repeat(990)}\r\n`);
    // a write fails once the proxy has reset the connection: what went before is what it took
    const ok = await new Promise((resolve) => c.write(chunk, (err) => resolve(err == null)));
    if (!ok) {
      closedByPeer = true;
      break;
    }
    sent += chunk.length;
  }
  for (let i = 0; i < 50 && !closedByPeer; i++) await sleep(100);
  c.destroy();
  out({ sent, closedByPeer });
}

async function junkRtp() {
  const s = await udpSocket();
  const rate = Number(args.rate ?? 1000);
  const end = Date.now() + Number(args.seconds ?? 3) * 1000;
  let sent = 0;
  let rtpLike = 0;
  while (Date.now() < end) {
    const t0 = Date.now();
    for (let k = 0; k < rate / 20; k++) {
      const port = firstPort + (sent % (lastPort - firstPort + 1));
      let m;
      if (sent % 2 === 0) {
        m = randomBytes(40 + (sent % 200));
        m[0] = 0x00; // version 0: neither RTP nor RTCP
      } else {
        m = randomBytes(172); // version 2, G.711 A-law: a stranger's RTP (RTP bleed)
        m[0] = 0x80;
        m[1] = 8;
        rtpLike++;
      }
      s.send(m, port, toIp);
      sent++;
    }
    await sleep(Math.max(0, 50 - (Date.now() - t0)));
  }
  await sleep(100);
  s.close();
  out({ sent, rtpLike });
}

async function slowloris() {
  const n = Number(args.conns ?? 50);
  const end = Date.now() + Number(args.seconds ?? 14) * 1000;
  const conns = [];
  for (let i = 0; i < n; i++) {
    try {
      const c = await tcpConnect();
      const st = { c, closedAtMs: null, bytes: 0 };
      c.on('error', () => undefined);
      c.on('close', () => { st.closedAtMs ??= Date.now(); });
      conns.push(st);
    } catch {
      // refused: counted below as not opened
    }
  }
  const start = Date.now();
  const text = `REGISTER sip:${toIp} SIP/2.0\r\n`;
  for (let i = 0; Date.now() < end && conns.some((x) => x.closedAtMs === null); i++) {
    for (const x of conns) {
      if (x.closedAtMs === null) {
        x.c.write(text[i % text.length]);
        x.bytes++;
      }
    }
    await sleep(2000);
  }
  const closed = conns.filter((x) => x.closedAtMs !== null);
  for (const x of conns) x.c.destroy();
  out({ opened: conns.length, closedByPeer: closed.length, closedAfterMs: closed.map((x) => x.closedAtMs - start).sort((a, b) => a - b) });
}

async function flood() {
  const s = await udpSocket();
  const port = s.address().port;
  const rate = Number(args.rate ?? 2000);
  const domain = args.domain ?? toIp;
  const end = Date.now() + Number(args.seconds ?? 3) * 1000;
  let sent = 0;
  const tag = randomBytes(4).toString('hex');
  while (Date.now() < end) {
    const t0 = Date.now();
    for (let k = 0; k < rate / 20; k++) {
      const method = sent % 2 === 0 ? 'REGISTER' : 'INVITE';
      const user = `u${sent}`;
      const ruri = method === 'REGISTER' ? `sip:${domain}` : `sip:${user}@${domain}`;
      const msg = `${method} ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP ${fromIp}:${port};branch=z9hG4bK-${tag}-${sent}\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:${user}@${domain}>;tag=${tag}${sent}\r\nTo: <sip:${user}@${domain}>\r\n` +
        `Call-ID: flood-${tag}-${sent}@${fromIp}\r\nCSeq: 1 ${method}\r\nContact: <sip:${user}@${fromIp}:${port}>\r\n` +
        `${method === 'REGISTER' ? 'Expires: 60\r\n' : ''}User-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n`;
      s.send(Buffer.from(msg), firstPort, toIp);
      sent++;
    }
    await sleep(Math.max(0, 50 - (Date.now() - t0)));
  }
  await sleep(100);
  s.close();
  out({ sent, seconds: Number(args.seconds ?? 3) });
}
