/**
 * alg-check through rewriting middleboxes on loopback (UDP and TCP): each personality's rewrite is
 * reported exactly, with the right fingerprint; through a plain forwarder, nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoServer } from '../../src/alg-test/echo-server.js';
import { runCheck } from '../../src/alg-test/check-client.js';
import { summarise } from '../../src/detect/alg-active/analyse.js';
import { PRIVATE, PUBLIC, startTcpMiddlebox, startUdpMiddlebox, type Personality } from '../helpers/alg-middlebox.js';

let echo: EchoServer;
const ECHO_PORT = 20000 + Math.floor(Math.random() * 20000);

beforeAll(async () => {
  echo = new EchoServer({ host: '127.0.0.1', port: ECHO_PORT, udp: true, tcp: true, ratePerSecond: 1000 });
  await echo.start();
});
afterAll(async () => {
  await echo.close();
});

async function through(p: Personality, transport: 'udp' | 'tcp') {
  const box = transport === 'udp' ? await startUdpMiddlebox(p, ECHO_PORT) : await startTcpMiddlebox(p, ECHO_PORT);
  try {
    const run = await runCheck({ host: '127.0.0.1', port: box.port, transport, localPort: 0, advertise: PRIVATE, timeoutMs: 2000 });
    expect(run.exchanges.map((x) => x.problem)).toEqual([null, null]);
    return summarise(run.exchanges);
  } finally {
    await box.close();
  }
}

describe.each(['udp', 'tcp'] as const)('alg-check through a middlebox over %s', (transport) => {
  it('plain forwarder: no rewriting seen', async () => {
    const r = await through('plain', transport);
    expect(r.verdict).toBe('no rewriting seen');
    expect(r.fingerprint).toBeNull();
  });

  it('FortiGate-like: Call-ID and the nat-trace i= line, fingerprint FortiGate', async () => {
    const r = await through('fortigate', transport);
    expect(r.outboundFields).toEqual(['Via', 'Contact', 'From', 'Call-ID', 'o=', 'c=', 'i=']);
    expect(r.inboundFields).toEqual(['Via', 'From', 'Call-ID']);
    expect(r.verdict).toBe('SIP ALG present: rewrote Via, Contact, From, Call-ID, o=, c=, i= (outbound); Via, From, Call-ID (inbound)');
    expect(r.fingerprint?.box).toBe('FortiGate SIP ALG');
    const invite = r.exchanges[1]!;
    expect(invite.outbound.find((c) => c.field === 'i=')).toEqual({ field: 'i=', before: null, after: `i=(o=IN IP4 ${PRIVATE})` });
    expect(invite.outbound.find((c) => c.field === 'c=')).toEqual({ field: 'c=', before: `c=IN IP4 ${PRIVATE}`, after: `c=IN IP4 ${PUBLIC}` });
    expect(invite.contentLengthBroken).toBe(false);
  });

  it('Juniper-like: Call-ID and From, To and Request-URI untouched, no i=: fingerprint Juniper', async () => {
    const r = await through('juniper', transport);
    expect(r.outboundFields).toEqual(['Via', 'Contact', 'From', 'Call-ID', 'o=', 'c=']);
    expect(r.fingerprint?.box).toBe('Juniper SRX/ScreenOS SIP ALG');
  });

  it('a box that breaks Content-Length: reported as wrong, box unknown', async () => {
    const r = await through('broken-content-length', transport);
    expect(r.exchanges[1]!.contentLengthBroken).toBe(true);
    // over TCP the echo frames by the wrong Content-Length: the body arrives cut, its last a= line short
    const cut = transport === 'tcp' ? ' a=,' : '';
    expect(r.verdict).toBe(`SIP ALG present: rewrote Via, Contact, o=, c=,${cut} Content-Length (wrong) (outbound); Via (inbound)`);
    expect(r.fingerprint?.text).toBe('rewritten, box unknown');
    expect(r.fingerprint?.evidence).toContain('Content-Length does not match the body bytes the echo received');
  });
});
