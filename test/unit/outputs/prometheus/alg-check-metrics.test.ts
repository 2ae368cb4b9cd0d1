import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseExchange, summarise, type CheckResult } from '../../../../src/detect/alg-active/analyse.js';
import { answer } from '../../../../src/detect/alg-active/echo-answer.js';
import { DEFAULT_PAD } from '../../../../src/detect/alg-active/echo-protocol.js';
import { buildInvite, buildRegister, type RequestParams } from '../../../../src/detect/alg-active/messages.js';
import {
  ALG_FIELD_LABELS, ALG_FINGERPRINT_LABELS, algCheckFamilies, algFieldLabel, algFingerprintLabel, type AlgCheckMetricsRun,
} from '../../../../src/outputs/prometheus/alg-check-metrics.js';
import { renderTextfile } from '../../../../src/outputs/prometheus/textfile.js';
import { parseExposition } from '../../../helpers/prometheus.js';

const P: RequestParams = {
  transport: 'udp', localAddress: '10.77.1.2', localPort: 5060, server: '198.51.100.2', serverPort: 5060,
  key: '00112233445566778899aabbccddeeff', token: 'a1b2c3d4e5f60718293a4b5c', rtpPort: 20000, pad: DEFAULT_PAD,
};

/** what this machine's nf_nat_sip did to the messages (test/e2e/alg-kernel.test.ts): Via, From/Contact with the port made explicit, o=, c=, Content-Length recomputed */
function kernelRewrite(t: string): string {
  const out = t.replace(/UDP 10\.77\.1\.2:5060/g, 'UDP 198.51.100.1:5060').replace(/sip:2001@10\.77\.1\.2>/g, 'sip:2001@198.51.100.1:5060>')
    .replace(/2001@10\.77\.1\.2:5060/g, '2001@198.51.100.1:5060').replace(/IN IP4 10\.77\.1\.2/g, 'IN IP4 198.51.100.1');
  const body = out.slice(out.indexOf('\r\n\r\n') + 4);
  return out.replace(/\r\nContent-Length: \d+\r\n/, `\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n`);
}

/** the real analysis of a REGISTER + INVITE through a path that applies `path` on the way out */
function checkThrough(path: (t: string) => string): CheckResult {
  const exchanges = [buildRegister(P), buildInvite(P)].map((sent) => {
    const arrived = path(sent);
    const a = answer(Buffer.from(arrived, 'latin1'), '198.51.100.1:5060', 'udp');
    return analyseExchange(sent.slice(0, sent.indexOf(' ')), sent, a.reply, P.key);
  });
  return summarise(exchanges);
}

const run = (result: CheckResult | null, extra: Partial<AlgCheckMetricsRun> = {}): AlgCheckMetricsRun => ({
  site: 'hq', server: '198.51.100.2:5060', transport: 'udp', result, durationSeconds: 0.125, endedAtMs: 1_796_000_000_999, ...extra,
});

const text = (r: AlgCheckMetricsRun): Map<string, number> => parseExposition(renderTextfile(algCheckFamilies(r)));
const BASE = 'server=198.51.100.2:5060,site=hq,transport=udp';

describe('alg-check metrics', () => {
  it('kernel ALG: alg_detected 1, the rewritten fields 1 (the rest of the closed set 0), fingerprint linux_nf_nat_sip', () => {
    const r = checkThrough(kernelRewrite);
    expect(r.algPresent).toBe(true);
    const m = text(run(r));
    expect(m.get(`voipready_alg_check_success|${BASE}`)).toBe(1);
    expect(m.get(`voipready_alg_check_alg_detected|${BASE}`)).toBe(1);
    // a state set: the box 1, every other member of the closed set 0
    expect(ALG_FINGERPRINT_LABELS.map((f) => [f, m.get(`voipready_alg_check_fingerprint|fingerprint=${f},${BASE}`)]).filter(([, v]) => v !== 0))
      .toEqual([['linux_nf_nat_sip', 1]]);
    expect([...m.keys()].filter((k) => k.startsWith('voipready_alg_check_fingerprint|'))).toHaveLength(ALG_FINGERPRINT_LABELS.length);
    const fields = (direction: string): string[] => ALG_FIELD_LABELS.filter((f) => m.get(`voipready_alg_check_rewritten_fields|direction=${direction},field=${f},${BASE}`) === 1);
    expect(fields('outbound')).toEqual(['via', 'contact', 'from', 'sdp_c', 'sdp_o']);
    // every member of the closed set is present, 0 or 1, in both directions
    for (const direction of ['outbound', 'inbound']) {
      for (const f of ALG_FIELD_LABELS) expect(m.has(`voipready_alg_check_rewritten_fields|direction=${direction},field=${f},${BASE}`), `${direction} ${f}`).toBe(true);
    }
    expect([...m.keys()].filter((k) => k.startsWith('voipready_alg_check_rewritten_fields|'))).toHaveLength(2 * ALG_FIELD_LABELS.length);
    expect(m.get(`voipready_alg_check_duration_seconds|${BASE}`)).toBe(0.125);
    expect(m.get(`voipready_alg_check_last_run_timestamp_seconds|${BASE}`)).toBe(1_796_000_000);
  });

  it('plain NAT (nothing rewritten): alg_detected 0, every field 0, fingerprint none', () => {
    const m = text(run(checkThrough((t) => t)));
    expect(m.get(`voipready_alg_check_alg_detected|${BASE}`)).toBe(0);
    expect(m.get(`voipready_alg_check_fingerprint|fingerprint=none,${BASE}`)).toBe(1);
    expect(m.get(`voipready_alg_check_fingerprint|fingerprint=linux_nf_nat_sip,${BASE}`)).toBe(0);
    expect([...m].filter(([k, v]) => k.startsWith('voipready_alg_check_rewritten_fields|') && v !== 0)).toEqual([]);
  });

  it('a check that could not run: success 0 and its times, no verdict series', () => {
    const m = text(run(null));
    expect([...m.keys()].map((k) => k.split('|')[0]).sort()).toEqual([
      'voipready_alg_check_duration_seconds', 'voipready_alg_check_last_run_timestamp_seconds', 'voipready_alg_check_success',
    ]);
    expect(m.get(`voipready_alg_check_success|${BASE}`)).toBe(0);
  });

  it('field and fingerprint labels come from closed sets: anything else is "other" / "unknown"', () => {
    expect(['Via', 'Request-URI', 'Call-ID', 'm= port', 'Content-Length', 'c=', 'o='].map(algFieldLabel)).toEqual(['via', 'request_uri', 'call_id', 'sdp_m_port', 'content_length', 'sdp_c', 'sdp_o']);
    for (const f of ['CSeq', 'Record-Route', 'i=', 'a=', 'm=', 'SDP', 'status line', 'User-Agent', 'X-Evil"\n']) expect(algFieldLabel(f)).toBe('other');
    const fp = (box: string | null): string => algFingerprintLabel({ algPresent: true, fingerprint: { box, evidence: [], text: '' } });
    expect(['FortiGate SIP ALG', 'Juniper SRX/ScreenOS SIP ALG', 'Cisco ASA inspect sip', 'an explicit SIP proxy (siproxd-like)', 'Linux nf_nat_sip (consumer router, OpenWrt)'].map(fp))
      .toEqual(['fortigate', 'juniper', 'cisco_asa', 'sip_proxy', 'linux_nf_nat_sip']);
    expect(fp(null)).toBe('unknown');
    expect(fp('Some Future Box')).toBe('unknown');
    expect(algFingerprintLabel({ algPresent: false, fingerprint: null })).toBe('none');
    for (const l of [fp(null), fp('x')]) expect(ALG_FINGERPRINT_LABELS).toContain(l);
  });

  it('label values a user chose (server, site) are escaped: backslash, double quote, line feed', () => {
    const out = renderTextfile(algCheckFamilies(run(null, { server: 'a"b\\c\nd:5060', site: 'h"q' })));
    expect(out).toContain('voipready_alg_check_success{site="h\\"q",server="a\\"b\\\\c\\nd:5060",transport="udp"} 0\n');
    // one sample per line, whatever the values held
    for (const line of out.trimEnd().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \S+ .+|voipready_alg_check_[a-z_]+\{.*\} \S+)$/);
  });

  it('the textfile has HELP and TYPE per family and no timestamps or # EOF (the collector rejects those)', () => {
    const out = renderTextfile(algCheckFamilies(run(checkThrough(kernelRewrite))));
    const types = [...out.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => `${x[1]} ${x[2]}`);
    expect(types).toEqual([
      'voipready_alg_check_success gauge', 'voipready_alg_check_alg_detected gauge', 'voipready_alg_check_rewritten_fields gauge',
      'voipready_alg_check_fingerprint gauge', 'voipready_alg_check_duration_seconds gauge', 'voipready_alg_check_last_run_timestamp_seconds gauge',
    ]);
    expect(out).not.toContain('# EOF');
    for (const line of out.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) expect(line).toMatch(/^\S+\{[^}]*\} -?[\d.e+]+$/);
  });

  it.skipIf(!existsSync('/usr/bin/promtool'))('promtool check metrics accepts the textfile (an independent parser and linter)', () => {
    for (const r of [run(checkThrough(kernelRewrite)), run(null, { server: 'we"ird\\host:5060' })]) {
      const p = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: renderTextfile(algCheckFamilies(r)), encoding: 'utf8' });
      expect(p.stderr + p.stdout).toBe('');
      expect(p.status).toBe(0);
    }
  });
});
