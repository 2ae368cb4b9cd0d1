/**
 * Bad input to alg-echo over real sockets: oversized, malformed, a flood from one source, many
 * sources: every message is counted, the table stays bounded, no reply is larger than its request
 * beyond REPLY_OVERHEAD_MAX, and nothing is sent anywhere but back to a source.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoServer } from '../../src/alg-test/echo-server.js';
import { DEFAULT_PAD, MAX_MESSAGE_BYTES, REPLY_OVERHEAD_MAX } from '../../src/detect/alg-active/echo-protocol.js';
import { buildRegister } from '../../src/detect/alg-active/messages.js';

const PORT = 20000 + Math.floor(Math.random() * 20000);
let echo: EchoServer;

beforeAll(async () => {
  echo = new EchoServer({ host: '127.0.0.1', port: PORT, udp: true, tcp: true, ratePerSecond: 20, maxSources: 8 });
  await echo.start();
});
afterAll(async () => {
  await echo.close();
});

/** sends each datagram from one socket bound to `from`, returns what came back within waitMs */
async function blast(msgs: Buffer[], from = '127.0.0.1', waitMs = 300): Promise<Buffer[]> {
  const s = createSocket('udp4');
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.bind(0, from, () => r()));
  for (const m of msgs) s.send(m, PORT, '127.0.0.1');
  await new Promise((r) => setTimeout(r, waitMs));
  s.close();
  return got;
}

const register = (token: string): Buffer => Buffer.from(buildRegister({
  transport: 'udp', localAddress: '10.0.0.2', localPort: 5060, server: '127.0.0.1', serverPort: PORT,
  key: '00112233445566778899aabbccddeeff', token, rtpPort: 20000, pad: DEFAULT_PAD,
}), 'latin1');

describe('alg-echo under bad input', () => {
  it('oversized and malformed datagrams are dropped unanswered and counted', async () => {
    const before = { ...echo.stats.outcomes };
    const got = await blast([Buffer.alloc(MAX_MESSAGE_BYTES + 100, 0x41), Buffer.from('\x00\x01garbage'), Buffer.from('INVITE nonsense\r\n\r\n')], '127.0.0.2');
    expect(got).toEqual([]);
    expect(echo.stats.outcomes.oversized - before.oversized).toBe(1);
    expect(echo.stats.outcomes.malformed - before.malformed).toBe(2);
  });

  it('a flood from one source: at most the burst is answered, the rest counted as rate-limited', async () => {
    const limitedBefore = echo.stats.rateLimited;
    const receivedBefore = echo.stats.received;
    const echoedBefore = echo.stats.outcomes.echoed;
    const msgs = Array.from({ length: 200 }, (_, i) => register(`flood${String(i).padStart(19, '0')}`));
    const got = await blast(msgs, '127.0.0.3', 500);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThanOrEqual(25);
    // every datagram that reached the socket (the kernel may drop some of a burst) is counted once
    const received = echo.stats.received - receivedBefore;
    expect(received).toBeGreaterThan(25);
    expect(echo.stats.outcomes.echoed - echoedBefore).toBe(got.length);
    expect(echo.stats.rateLimited - limitedBefore).toBe(received - got.length);
    const sent = msgs[0]!.length;
    for (const g of got) expect(g.length).toBeLessThanOrEqual(sent + REPLY_OVERHEAD_MAX);
    expect(echo.stats.maxReplyGrowth).toBeLessThanOrEqual(REPLY_OVERHEAD_MAX);
  });

  it('many sources: the rate table stays at its bound', async () => {
    for (let i = 10; i < 30; i++) await blast([register(`src${String(i).padStart(21, '0')}`)], `127.0.0.${i}`, 20);
    expect(echo.stats.sourcesTracked).toBeLessThanOrEqual(8);
    expect(echo.stats.sourcesEvicted).toBeGreaterThanOrEqual(12);
  });

  it('TCP: a header that never ends past the size limit closes the connection', async () => {
    const before = echo.stats.outcomes.oversized;
    const closed = await new Promise<boolean>((resolve) => {
      const c = connect({ host: '127.0.0.1', port: PORT, localAddress: '127.0.0.40' }, () => c.write(Buffer.alloc(MAX_MESSAGE_BYTES + 10, 0x41)));
      c.on('error', () => undefined);
      c.on('close', () => resolve(true));
      setTimeout(() => { c.destroy(); resolve(false); }, 3000);
    });
    expect(closed).toBe(true);
    expect(echo.stats.outcomes.oversized - before).toBe(1);
  });

  it('TCP: a Content-Length beyond the limit closes the connection before reading the body', async () => {
    const before = echo.stats.outcomes.oversized;
    await new Promise<void>((resolve) => {
      const c = connect({ host: '127.0.0.1', port: PORT, localAddress: '127.0.0.41' }, () => c.write('REGISTER sip:x SIP/2.0\r\nContent-Length: 999999\r\n\r\n'));
      c.on('error', () => undefined);
      c.on('close', () => resolve());
    });
    expect(echo.stats.outcomes.oversized - before).toBe(1);
  });

  it('bytes out never exceed bytes in plus the overhead per answer', () => {
    expect(echo.stats.bytesOut).toBeLessThanOrEqual(echo.stats.bytesIn + echo.stats.answered * REPLY_OVERHEAD_MAX);
  });
});
