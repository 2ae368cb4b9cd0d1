import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, createPoster } from '../../../../src/outputs/remote-write/http-client.js';
import { FakeReceiver } from '../../../helpers/fake-receiver.js';

const BODY = Buffer.from([0x00]); // snappy of an empty WriteRequest

describe('classify (remote_write 1.0 retry rules)', () => {
  it('2xx is success; 5xx and 429 are retried; other 4xx are not', () => {
    expect(classify(204, '', '')).toEqual({ ok: true, status: 204 });
    expect(classify(503, 'down', '')).toMatchObject({ ok: false, retry: true, message: 'HTTP 503: down' });
    expect(classify(429, '', '3')).toMatchObject({ ok: false, retry: true, retryAfterMs: 3000 });
    expect(classify(401, 'no', '')).toMatchObject({ ok: false, retry: false, tooOld: false });
    expect(classify(400, 'out of bounds\n', '')).toMatchObject({ ok: false, retry: false, tooOld: true, message: 'HTTP 400: out of bounds' });
  });
});

describe('poster network failures', () => {
  it('reports an unreachable URL clearly and as retryable', async () => {
    const rx = await FakeReceiver.start();
    const url = rx.url;
    await rx.close();
    const p = createPoster({ url }, 'test');
    expect(await p.post(BODY)).toMatchObject({ ok: false, retry: true, message: 'cannot reach the receiver: ECONNREFUSED' });
    await p.close();
  });

  it('rejects non-HTTP URLs at start-up', () => {
    expect(() => createPoster({ url: 'ftp://x/' }, 'test')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => createPoster({ url: 'not a url' }, 'test')).toThrow(/is not a URL/);
  });

  it('goes through an HTTP proxy (CONNECT) when proxyUrl is set', async () => {
    const rx = await FakeReceiver.start();
    const connects: string[] = [];
    const proxy: Server = createHttpServer();
    proxy.on('connect', (req, client, head) => {
      connects.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const p = createPoster({ url: rx.url, proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` }, 'test');
      expect(await p.post(BODY)).toEqual({ ok: true, status: 204 });
      await p.close();
      expect(connects).toEqual([new URL(rx.url).host]);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
      await rx.close();
    }
  });
});

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!haveOpenssl)('poster TLS (needs openssl to make a throw-away certificate)', () => {
  let dir: string;
  let url: string;
  let server: ReturnType<typeof createHttpsServer>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  });
  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
    if (dir !== undefined && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  });

  it('names a TLS failure (self-signed certificate, no CA given)', async () => {
    const p = createPoster({ url }, 'test');
    const res = await p.post(BODY);
    expect(res).toMatchObject({ ok: false, retry: true });
    expect(res.ok ? '' : res.message).toMatch(/^TLS failure: \w*(SELF_SIGNED|CERT)\w* \(check caFile/);
    await p.close();
  });

  it('succeeds with the CA file, or with insecureSkipVerify', async () => {
    const withCa = createPoster({ url, caFile: join(dir, 'cert.pem') }, 'test');
    expect(await withCa.post(BODY)).toEqual({ ok: true, status: 204 });
    await withCa.close();
    const insecure = createPoster({ url, insecureSkipVerify: true }, 'test');
    expect(await insecure.post(BODY)).toEqual({ ok: true, status: 204 });
    await insecure.close();
  });

  it('a missing CA file is a config error naming the file', () => {
    expect(() => createPoster({ url, caFile: join(dir, 'nope.pem') }, 'test')).toThrow(/cannot read caFile \(ENOENT\)/);
  });
});
