/**
 * Choosing the upstream, on a fake clock (times are plain numbers): the domain lists, the failover
 * order, the hold-down and how an upstream comes back, with and without probes. And the parsing of
 * `--upstream` values.
 */
import { describe, expect, it } from 'vitest';
import { describeUpstreams, parseUpstream, upstreamsOf } from '../../../src/cli/proxy-upstreams.js';
import { UpstreamSet, type Upstream } from '../../../src/proxy/sip/upstreams.js';

const up = (address: string, domain: string | null = null, host = address): Upstream => ({ host, port: 5060, transport: 'udp', address, domain });
const A = up('192.0.2.1');
const B = up('192.0.2.2');
const C = up('192.0.2.3');

describe('UpstreamSet.listFor', () => {
  const set = new UpstreamSet([
    up('198.51.100.1', 'pbx-a.example'), up('198.51.100.2', 'pbx-b.example'), up('198.51.100.3', 'pbx-b.example'), A, B,
  ], { holdDownMs: 30_000, probing: true });
  const addresses = (l: ReturnType<UpstreamSet['listFor']>): string[] => l.map((u) => u.config.address);

  it('takes the domain of the Request-URI host first, case-insensitively, several upstreams of one domain in the order given', () => {
    expect(addresses(set.listFor('pbx-a.example', 'pbx-b.example'))).toEqual(['198.51.100.1']);
    expect(addresses(set.listFor('PBX-B.Example', null))).toEqual(['198.51.100.2', '198.51.100.3']);
  });

  it('falls back to the To host, then to the plain upstreams (the failover list)', () => {
    expect(addresses(set.listFor('203.0.113.9', 'pbx-b.example'))).toEqual(['198.51.100.2', '198.51.100.3']);
    expect(addresses(set.listFor('203.0.113.9', 'other.example'))).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('an upstream\'s own address names its list (a request addressed to the PBX itself)', () => {
    expect(addresses(set.listFor('198.51.100.3', null))).toEqual(['198.51.100.2', '198.51.100.3']);
    expect(addresses(set.listFor('192.0.2.2', null))).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(set.serves('pbx-a.example')).toBe(true);
    expect(set.serves('[192.0.2.1]')).toBe(true);
    expect(set.serves('evil.example')).toBe(false);
  });

  it('with domain upstreams only, a request for no domain of theirs has no list', () => {
    const only = new UpstreamSet([up('198.51.100.1', 'pbx-a.example')], { holdDownMs: 1, probing: false });
    expect(only.listFor('203.0.113.9', 'x.example')).toEqual([]);
  });

  it('knows an upstream by address and port only', () => {
    expect(set.byFlow({ address: '192.0.2.1', port: 5060 })?.config).toEqual(A);
    expect(set.byFlow({ address: '192.0.2.1', port: 5062 })).toBeUndefined();
  });

  it('holds 1 to 16 upstreams (they are metric label values)', () => {
    expect(() => new UpstreamSet([], { holdDownMs: 1, probing: false })).toThrow(RangeError);
    expect(() => new UpstreamSet(Array.from({ length: 17 }, (_, i) => up(`10.0.0.${i + 1}`)), { holdDownMs: 1, probing: false })).toThrow(RangeError);
  });
});

describe('UpstreamSet failover order and hold-down', () => {
  it('picks the first up one not tried, in order; a failed one is skipped while another is up', () => {
    const set = new UpstreamSet([A, B, C], { holdDownMs: 30_000, probing: true });
    const [a, b, c] = set.all as [typeof set.all[0], typeof set.all[0], typeof set.all[0]];
    const list = set.listFor('x', null);
    expect(set.next(list, new Set(), 0)).toBe(a);
    expect(set.next(list, new Set([a]), 0)).toBe(b);
    set.markDown(a, 1000);
    expect(set.next(list, new Set(), 1000)).toBe(b);
    set.markDown(b, 1000);
    expect(set.next(list, new Set(), 1000)).toBe(c);
    expect(set.next(list, new Set([a, b, c]), 1000)).toBeNull();
  });

  it('all down: still tries them, in order (one may be back)', () => {
    const set = new UpstreamSet([A, B], { holdDownMs: 30_000, probing: true });
    const [a, b] = set.all as [typeof set.all[0], typeof set.all[0]];
    set.markDown(a, 0);
    set.markDown(b, 0);
    const list = set.listFor('x', null);
    expect(set.next(list, new Set(), 10)).toBe(a);
    expect(set.next(list, new Set([a]), 10)).toBe(b);
  });

  it('with probes: back only when a probe is answered after the hold-down', () => {
    const set = new UpstreamSet([A, B], { holdDownMs: 30_000, probing: true });
    const a = set.all[0]!;
    set.markDown(a, 1000);
    expect(set.isUp(a, 40_000)).toBe(false); // the hold-down passed, but nothing answered yet
    set.answered(a, 20_000); // answered during the hold-down: still held down
    expect(set.isUp(a, 20_000)).toBe(false);
    set.answered(a, 31_000);
    expect(set.isUp(a, 31_000)).toBe(true);
  });

  it('a failure during the hold-down starts it again', () => {
    const set = new UpstreamSet([A, B], { holdDownMs: 30_000, probing: true });
    const a = set.all[0]!;
    set.markDown(a, 0);
    set.markDown(a, 20_000);
    set.answered(a, 31_000);
    expect(a.up).toBe(false);
    set.answered(a, 50_000);
    expect(a.up).toBe(true);
  });

  it('without probes: back when the hold-down is over', () => {
    const set = new UpstreamSet([A, B], { holdDownMs: 30_000, probing: false });
    const [a, b] = set.all as [typeof set.all[0], typeof set.all[0]];
    set.markDown(a, 0);
    const list = set.listFor('x', null);
    expect(set.next(list, new Set(), 29_999)).toBe(b);
    expect(set.next(list, new Set(), 30_000)).toBe(a);
  });

  it('names each upstream host:port (the metric label), IPv6 in brackets', () => {
    const set = new UpstreamSet([A, { ...up('2001:db8::1'), port: 5080 }], { holdDownMs: 1, probing: false });
    expect(set.all.map((u) => u.label)).toEqual(['192.0.2.1:5060', '[2001:db8::1]:5080']);
  });
});

describe('--upstream values', () => {
  it('reads [domain=][udp:|tcp:]host:port; a prefix overrides --upstream-transport', () => {
    expect(parseUpstream('10.0.0.5:5060', 'udp')).toEqual({ host: '10.0.0.5', port: 5060, transport: 'udp', address: '10.0.0.5', domain: null });
    expect(parseUpstream('tcp:10.0.0.5:5080', 'udp')).toMatchObject({ transport: 'tcp', port: 5080 });
    expect(parseUpstream('udp:10.0.0.5:5060', 'tcp')).toMatchObject({ transport: 'udp' });
    expect(parseUpstream('10.0.0.5:5060', 'tcp')).toMatchObject({ transport: 'tcp' });
    expect(parseUpstream('PBX.example=tcp:[2001:db8::5]:5060', 'udp')).toEqual({ host: '2001:db8::5', port: 5060, transport: 'tcp', address: '2001:db8::5', domain: 'pbx.example' });
  });

  it('refuses what it cannot use, naming the value', () => {
    expect(() => parseUpstream('tls:10.0.0.5:5061', 'udp')).toThrow(/"tls:10.0.0.5:5061": transport "tls" must be udp or tcp/);
    expect(() => parseUpstream('bad domain=10.0.0.5:5060', 'udp')).toThrow(/is not a SIP domain/);
    expect(() => parseUpstream('10.0.0.5', 'udp')).toThrow(/--upstream/);
  });

  it('needs at least one, no upstream twice, at most 16', async () => {
    await expect(upstreamsOf([], 'udp')).rejects.toThrow(/needs --upstream/);
    await expect(upstreamsOf(['10.0.0.5:5060', 'a.example=10.0.0.5:5060'], 'udp')).rejects.toThrow(/given twice/);
    await expect(upstreamsOf(Array.from({ length: 17 }, (_, i) => `10.0.0.${i + 1}:5060`), 'udp')).rejects.toThrow(/at most 16/);
    await expect(upstreamsOf(['10.0.0.5:5060'], 'sctp')).rejects.toThrow(/--upstream-transport "sctp"/);
    const list = await upstreamsOf(['a.example=10.0.0.5:5060', 'tcp:10.0.0.6:5060'], 'udp');
    expect(describeUpstreams(list, true)).toBe('udp 10.0.0.5:5060 (a.example), tcp 10.0.0.6:5060');
    expect(describeUpstreams(list, false)).toBe('10.0.0.5:5060 (a.example), 10.0.0.6:5060');
  });
});
