// Test-only: a minimal SIP-over-TLS phone (no SIP library speaks TLS headless here; Debian's sipp is
// built without TLS). It calls `service` through the proxy at --proxy host:port over TLS, follows the
// Record-Route of the 200, sends N G.711 RTP packets (20 ms apart) from --rtp-port to the port the
// answer names, counts what comes back, hangs up and prints one JSON line:
// {statuses: [...], byeStatus, rtpSent, rtpReceived, relayPort, recordRoute}.
// node tls-phone.mjs --proxy 127.0.0.1:5061 --service uas --rtp-port 20000 --packets 100
import { createSocket } from 'node:dgram';
import { connect } from 'node:tls';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const [host, port] = arg('proxy', '127.0.0.1:5061').split(':');
const service = arg('service', 'uas');
const rtpPort = Number(arg('rtp-port', '20000'));
const packets = Number(arg('packets', '100'));
const out = { statuses: [], byeStatus: null, rtpSent: 0, rtpReceived: 0, relayPort: null };
const fail = (why) => {
  out.error = why;
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(1);
};
setTimeout(() => fail('timeout'), 20_000).unref();

const sock = connect({ host, port: Number(port), rejectUnauthorized: false });
let local = '';
let buf = Buffer.alloc(0);
const waiting = [];
sock.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buf.subarray(0, end).toString('utf8');
    const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (buf.length < end + 4 + len) return;
    const body = buf.subarray(end + 4, end + 4 + len).toString('utf8');
    buf = buf.subarray(end + 4 + len);
    const w = waiting.shift();
    if (w) w({ head, body });
    else waiting.unshift(null); // unexpected: kept as a gap
  }
});
const next = () => new Promise((resolve) => waiting.push(resolve));
sock.on('error', (e) => fail(`tls: ${e.message}`));

sock.once('secureConnect', async () => {
  local = `${sock.localAddress}:${sock.localPort}`;
  const callId = `tls-${process.pid}@vrtest`;
  const from = `<sip:phone@${host}>;tag=tp${process.pid}`;
  const to = `<sip:${service}@${host}:${port}>`;
  const sdp = ['v=0', `o=- 1 1 IN IP4 ${host}`, 's=-', `c=IN IP4 ${host}`, 't=0 0', `m=audio ${rtpPort} RTP/AVP 8`, 'a=rtpmap:8 PCMA/8000', ''].join('\r\n');
  const req = (method, uri, cseq, extra, body = '') => [`${method} ${uri} SIP/2.0`, `Via: SIP/2.0/TLS ${local};branch=z9hG4bK${method}${Math.random().toString(16).slice(2)}`,
    'Max-Forwards: 70', `From: ${from}`, `To: ${extra.to ?? to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, `Contact: <sip:phone@${local};transport=tls>`,
    ...(extra.routes ?? []).map((r) => `Route: ${r}`), ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
  sock.write(req('INVITE', `sip:${service}@${host}:${port}`, 1, {}, sdp));
  let final = null;
  while (final === null) {
    const m = await next();
    if (m === null) continue;
    const status = Number(/^SIP\/2.0 (\d+)/.exec(m.head)?.[1]);
    out.statuses.push(status);
    if (status >= 200) final = m;
  }
  if (!out.statuses.includes(200)) fail('not answered');
  const toTagged = /\r\nTo:\s*([^\r]+)/i.exec(final.head)[1];
  const rr = [...final.head.matchAll(/\r\nRecord-Route:\s*([^\r]+)/gi)].flatMap((x) => x[1].split(/,\s*(?=<)/));
  out.recordRoute = [...rr];
  const routes = rr.reverse();
  const target = /\r\nContact:\s*<([^>]+)>/i.exec(final.head)?.[1] ?? `sip:${service}@${host}`;
  sock.write(req('ACK', target, 1, { to: toTagged, routes }));
  out.relayPort = Number(/m=audio (\d+)/.exec(final.body)?.[1]);
  const relayAddr = /c=IN IP4 (\S+)/.exec(final.body)?.[1] ?? host;
  const rtp = createSocket('udp4');
  rtp.on('message', () => out.rtpReceived++);
  await new Promise((r) => rtp.bind(rtpPort, host, r));
  for (let i = 0; i < packets; i++) {
    const p = Buffer.alloc(172, 0xd5);
    p[0] = 0x80;
    p[1] = 8;
    p.writeUInt16BE(i + 1, 2);
    p.writeUInt32BE((i + 1) * 160, 4);
    p.writeUInt32BE(0x7e57c0de, 8);
    rtp.send(p, out.relayPort, relayAddr);
    out.rtpSent++;
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 300));
  sock.write(req('BYE', target, 2, { to: toTagged, routes }));
  for (;;) {
    const m = await next();
    if (m === null) continue;
    const status = Number(/^SIP\/2.0 (\d+)/.exec(m.head)?.[1]);
    if (/CSeq:\s*2 BYE/i.test(m.head)) {
      out.byeStatus = status;
      break;
    }
  }
  rtp.close();
  sock.end();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
});
