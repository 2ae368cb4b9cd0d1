/** stun-server under bad input: non-STUN datagrams are counted and dropped, the server goes on; answers stay small. */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StunServer } from '../../src/alg-test/stun-server.js';
import { natCheck } from '../../src/alg-test/nat-check.js';

const PORT = 20000 + 2 * Math.floor(Math.random() * 10000);
let server: StunServer;

beforeAll(async () => {
  server = new StunServer('127.0.0.1', PORT);
  await server.start();
});
afterAll(async () => {
  await server.close();
});

describe('stun-server', () => {
  it('garbage, a bare header and a length past the end are dropped and counted; a valid request is still answered, small', async () => {
    const c = createSocket('udp4');
    const got: Buffer[] = [];
    c.on('message', (m) => got.push(m));
    await new Promise<void>((r) => c.bind(0, '127.0.0.1', () => r()));
    const bad = [Buffer.from('garbage'), Buffer.alloc(20), Buffer.from('0001000c2112a442000000000000000000000000ffff0010', 'hex')];
    for (const b of bad) c.send(b, PORT, '127.0.0.1');
    c.send(Buffer.from('000100002112a442000000000000000000000001', 'hex'), PORT, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    c.close();
    expect(server.stats.datagrams).toBe(4);
    expect(server.stats.requests).toBe(1);
    expect(server.stats.malformed).toBeGreaterThanOrEqual(1);
    expect(got).toHaveLength(1);
    expect(got[0]!.length).toBeLessThanOrEqual(56);
    const r = await natCheck({ servers: [`127.0.0.1:${PORT}`], timeoutMs: 1000 });
    expect(r.mapped?.address).toBe('127.0.0.1');
    expect(r.mappingBehaviour).toBe('endpoint-independent');
    expect(r.changePortAnswered).toBe(true);
  });
});
