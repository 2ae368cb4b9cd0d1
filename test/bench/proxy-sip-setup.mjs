// Sets up N calls through `voipready proxy`'s SIP side for the load benchmark, playing both user
// agents over UDP on loopback: the caller's INVITE (SDP 127.0.0.1:caller_port) goes to the proxy,
// the "upstream" socket (the proxy's --upstream) answers 200 with SDP 127.0.0.1:callee_port, the
// caller ACKs. The relay ports are read from the SDP the proxy rewrote, and the result is the
// ports file of ../shared/tools/proxy-load (`call caller_port callee_port relay_port_for_caller
// relay_port_for_callee`), the same ports ng_ctl.py gives the generator for rtpengine.
import { createSocket } from 'node:dgram';

const CRLF = '\r\n';

/** even ports, 4 per call: as ng_ctl.py's ports_for() */
export const portsFor = (i, base) => [base + 4 * i, base + 4 * i + 2];

const sdp = (port, id) => ['v=0', `o=- ${id} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', ''].join(CRLF);

const mediaPort = (msg) => Number(/\r\nm=audio (\d+)/.exec(msg)?.[1] ?? NaN);
const header = (msg, name) => msg.split(CRLF).filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));

function bind(port) {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/**
 * @param {{ proxyPort: number, upstreamPort: number, n: number, genBase?: number, uacPort?: number, window?: number, timeoutMs?: number }} o
 * @returns {Promise<{ rows: number[][], lines: string, seconds: number, close(): Promise<void> }>} the upstream socket keeps answering (BYE) until close()
 */
export async function setupCallsThroughProxy(o) {
  const genBase = o.genBase ?? 10000;
  const uac = await bind(o.uacPort ?? 0);
  const uas = await bind(o.upstreamPort);
  const uacPort = uac.address().port;
  const pending = new Map();
  const rows = [];
  uas.on('message', (buf, rinfo) => {
    const msg = buf.toString('latin1');
    if (!msg.startsWith('INVITE ')) return;
    const callId = header(msg, 'Call-ID')[0]?.slice(8).trim();
    const p = pending.get(callId);
    if (p === undefined) return;
    p.relayForCallee = mediaPort(msg);
    const keep = [...header(msg, 'Via'), ...header(msg, 'Record-Route'), ...header(msg, 'From'), ...header(msg, 'Call-ID'), ...header(msg, 'CSeq')];
    const body = sdp(p.calleePort, 500000 + p.i);
    const res = ['SIP/2.0 200 OK', ...keep, `${header(msg, 'To')[0]};tag=tt${p.i}`, `Contact: <sip:callee@127.0.0.1:${o.upstreamPort}>`,
      'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(body)}`, '', body].join(CRLF);
    uas.send(res, rinfo.port, rinfo.address);
  });
  uac.on('message', (buf) => {
    const msg = buf.toString('latin1');
    if (!msg.startsWith('SIP/2.0 200')) return;
    const callId = header(msg, 'Call-ID')[0]?.slice(8).trim();
    const p = pending.get(callId);
    if (p === undefined || p.done) return;
    p.done = true;
    const relayForCaller = mediaPort(msg);
    const route = header(msg, 'Record-Route').map((l) => l.replace(/^Record-Route/i, 'Route'));
    const ack = [`ACK sip:callee@127.0.0.1:${o.upstreamPort} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${uacPort};branch=z9hG4bKack${p.i}`,
      ...route, 'Max-Forwards: 70', `From: <sip:caller${p.i}@127.0.0.1>;tag=ft${p.i}`, header(msg, 'To')[0], `Call-ID: ${callId}`, 'CSeq: 1 ACK',
      'Content-Length: 0', '', ''].join(CRLF);
    uac.send(ack, o.proxyPort, '127.0.0.1');
    rows.push([p.i, p.callerPort, p.calleePort, relayForCaller, p.relayForCallee]);
    p.resolve();
  });
  const invite = (i) => {
    const [callerPort, calleePort] = portsFor(i, genBase);
    const callId = `bench-${String(i).padStart(6, '0')}`;
    const body = sdp(callerPort, 1000 + i);
    const msg = [`INVITE sip:callee@127.0.0.1:${o.upstreamPort} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${uacPort};branch=z9hG4bKinv${i}`, 'Max-Forwards: 70',
      `From: <sip:caller${i}@127.0.0.1>;tag=ft${i}`, `To: <sip:callee@127.0.0.1:${o.upstreamPort}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE',
      `Contact: <sip:caller${i}@127.0.0.1:${uacPort}>`, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(body)}`, '', body].join(CRLF);
    return new Promise((resolve, reject) => {
      const p = { i, callerPort, calleePort, relayForCallee: NaN, done: false, resolve };
      pending.set(callId, p);
      // UDP: resend every 500 ms like a UAC's timer A (the proxy absorbs or forwards it), bounded
      let tries = 0;
      const send = () => {
        if (p.done) return;
        if (tries++ >= 8) return reject(new Error(`call ${i}: no 200 OK through the proxy`));
        uac.send(msg, o.proxyPort, '127.0.0.1');
        setTimeout(send, 500);
      };
      send();
    });
  };
  const t0 = performance.now();
  const window = o.window ?? 50;
  let next = 0;
  const worker = async () => {
    while (next < o.n) await invite(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, o.n) }, worker));
  rows.sort((a, b) => a[0] - b[0]);
  const lines = `# call caller_port callee_port relay_port_for_caller relay_port_for_callee\n${rows.map((r) => r.join(' ')).join('\n')}\n`;
  uac.close();
  return { rows, lines, seconds: (performance.now() - t0) / 1000, close: () => new Promise((r) => uas.close(() => r())) };
}
