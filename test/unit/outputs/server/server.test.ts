import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../../src/outputs/prometheus/metrics.js';
import { checkAuthorization } from '../../../../src/outputs/server/auth.js';
import { parseListen } from '../../../../src/config/options/listen.js';
import { buildServer, startServer, wantsOpenMetrics } from '../../../../src/outputs/server/server.js';
import type { ServerOptions } from '../../../../src/outputs/server/server.js';
import { FakeView, fakeSettings, stream } from '../prometheus/fake-view.js';

function setup(extra: Partial<ServerOptions> = {}) {
  const view = new FakeView();
  view.add(stream('s1', { packets: 100, expected: 102, lost: 2, jitterMs: 7 }));
  const m = createMetrics({ settings: fakeSettings() });
  m.attach(view);
  m.listener.onSecond?.(1_700_000_000, view);
  return { view, app: buildServer({ registry: m.registry, view: () => view, ...extra }) };
}

describe('HTTP server', () => {
  it('serves Prometheus text by default and OpenMetrics when asked', async () => {
    const { app } = setup();
    const text = await app.inject({ url: '/metrics' });
    expect(text.statusCode).toBe(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text.body).toMatch(/^voipready_rtp_packets_received_total\{.*\} 100$/m);
    const om = await app.inject({
      url: '/metrics',
      headers: { accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' },
    });
    expect(om.headers['content-type']).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(om.body).toMatch(/^# TYPE voipready_rtp_packets_received counter$/m);
    expect(om.body).toMatch(/^voipready_rtp_packets_received_total\{.*\} 100$/m);
    expect(om.body.endsWith('# EOF\n')).toBe(true);
  });

  it('answers /api/streams and /api/calls with the report fields, /healthz with ok', async () => {
    const { app, view } = setup();
    const streams = (await app.inject({ url: '/api/streams' })).json();
    expect(streams).toEqual(view.report().streams);
    expect(streams[0].lost).toBe(2);
    const calls = (await app.inject({ url: '/api/calls' })).json();
    expect(calls[0].callId).toBe('call-1@x');
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  it('answers 503 on /api/report and [] on /api/streams before any analysis', async () => {
    const m = createMetrics({ settings: fakeSettings() });
    const app = buildServer({ registry: m.registry, view: () => null });
    expect((await app.inject({ url: '/api/report' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/api/streams' })).json()).toEqual([]);
  });

  it('requires the bearer token when configured, but not for /healthz', async () => {
    const { app } = setup({ auth: { bearerToken: 's3cret' } });
    const denied = await app.inject({ url: '/metrics' });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer s3cret' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('requires basic auth when configured', async () => {
    const { app } = setup({ auth: { basic: { username: 'prom', password: 'pa:ss' } } });
    const good = `Basic ${Buffer.from('prom:pa:ss').toString('base64')}`;
    const bad = `Basic ${Buffer.from('prom:nope').toString('base64')}`;
    expect((await app.inject({ url: '/api/streams', headers: { authorization: bad } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/streams', headers: { authorization: good } })).statusCode).toBe(200);
    expect(checkAuthorization('Basic !!!', { basic: { username: 'a', password: 'b' } })).toBe(false);
  });

  it('negotiates the format from the Accept header', () => {
    expect(wantsOpenMetrics(undefined)).toBe(false);
    expect(wantsOpenMetrics('text/plain')).toBe(false);
    expect(wantsOpenMetrics('application/openmetrics-text;q=0.4,text/plain;q=0.5')).toBe(false);
    expect(wantsOpenMetrics('application/openmetrics-text')).toBe(true);
  });

  it('binds to loopback on a free port and reports E_LISTEN on a taken one', async () => {
    const m = createMetrics({ settings: fakeSettings() });
    const a = await startServer({ registry: m.registry, view: () => null, listen: { host: '127.0.0.1', port: 0 } });
    try {
      expect(a.address).toBe(`127.0.0.1:${a.port}`);
      const res = await fetch(`http://${a.address}/healthz`);
      expect(res.status).toBe(200);
      await expect(startServer({ registry: m.registry, view: () => null, listen: { host: '127.0.0.1', port: a.port } }))
        .rejects.toMatchObject({ code: 'E_LISTEN' });
    } finally {
      await a.close();
    }
  });
});

describe('parseListen', () => {
  it('parses host:port forms and defaults to loopback', () => {
    expect(parseListen('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen(':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseListen('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
  });
  it('rejects bad values with E_USAGE', () => {
    for (const bad of ['::1:9464', 'host:99999', 'host:', 'a b:1']) {
      expect(() => parseListen(bad)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
  });
});

describe('renderRegistry (the fast scrape path)', () => {
  it('renders the same samples as prom-client\'s own formatter', async () => {
    const { renderRegistry } = await import('../../../../src/outputs/prometheus/prom-bridge.js');
    const view = new FakeView();
    view.add(stream('s1', { packets: 10, expected: 11, lost: 1, jitterMs: 3.5 }));
    view.add(stream('s2', { codec: 'opus', src: '[2001:db8::1]:5004', packets: 7, expected: 7 }));
    const m = createMetrics({ settings: fakeSettings(), defaultMetrics: true });
    m.attach(view);
    m.listener.onSecond?.(1_700_000_000, view);
    const lines = (t: string): string[] => t.split('\n').filter((l) => l !== '' && !/^(nodejs|process)_/.test(l) && !/^# (HELP|TYPE) (nodejs|process)_/.test(l)).sort();
    const ours = await renderRegistry(m.registry, false);
    const theirs = await m.registry.metrics();
    expect(lines(ours)).toEqual(lines(theirs));
    expect(ours).toMatch(/^voipready_stream_jitter_seconds\{site="hq",profile="default",codec="PCMU",peer="carrier",direction="unknown",stream="s1"\} 0\.0035$/m);
    expect(ours).toMatch(/^process_cpu_seconds_total \d/m);
  });
});
