/**
 * SipTransports.sendOrElse on loopback: a large request reaches a TCP listener framed whole; with no
 * TCP listener there (a UDP-only upstream), the fallback is called instead of the message vanishing.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SipTransports } from '../../../src/proxy/sip/transport.js';

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c();
});

async function transports(): Promise<SipTransports> {
  const t = new SipTransports('127.0.0.1', 0, null, () => undefined);
  await t.start();
  open.push(() => t.close());
  return t;
}

const big = (n: number): Buffer => Buffer.from(`OPTIONS sip:pbx SIP/2.0\r\nX-Padding: ${'p'.repeat(n)}\r\nContent-Length: 0\r\n\r\n`);

describe('SipTransports.sendOrElse', () => {
  it('writes the message on a new TCP connection and says so', async () => {
    const got: Buffer[] = [];
    const server: Server = createServer((s) => s.on('data', (d) => got.push(d)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    open.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;
    const t = await transports();
    const msg = big(3000);
    let sent = 0;
    let failed = 0;
    t.sendOrElse({ transport: 'tcp', address: '127.0.0.1', port }, msg, () => sent++, () => failed++);
    const end = Date.now() + 3000;
    while (Buffer.concat(got).length < msg.length && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(got).equals(msg)).toBe(true);
    expect([sent, failed]).toEqual([1, 0]);
    // the connection stays for the next one: written at once
    t.sendOrElse({ transport: 'tcp', address: '127.0.0.1', port }, msg, () => sent++, () => failed++);
    expect(sent).toBe(2);
  });

  it('calls the fallback when nothing takes TCP there', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r())); // a port nobody listens on now
    const t = await transports();
    let sent = 0;
    let failed = 0;
    t.sendOrElse({ transport: 'tcp', address: '127.0.0.1', port }, big(2000), () => sent++, () => failed++);
    const end = Date.now() + 3000;
    while (failed === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect([sent, failed]).toEqual([0, 1]);
  });
});
