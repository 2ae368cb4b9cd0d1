import { describe, expect, it } from 'vitest';
import type { NatCheckResult } from '../../../../src/alg-test/nat-check.js';
import { NAT_TYPE_LABELS, natCheckFamilies, natTypeLabel } from '../../../../src/outputs/prometheus/nat-check-metrics.js';
import { renderTextfile } from '../../../../src/outputs/prometheus/textfile.js';
import { parseExposition } from '../../../helpers/prometheus.js';

const result = (over: Partial<NatCheckResult> = {}): NatCheckResult => ({
  local: '', mappings: [{ server: '198.51.100.2:3478', address: '198.51.100.1', port: 40000, otherAddress: '198.51.100.2:3479' }],
  mapped: { address: '198.51.100.1', port: 40000 }, natted: true, mappingBehaviour: 'endpoint-independent', changePortAnswered: false,
  lifetime: null, errors: [], ...over,
});
const metrics = (r: NatCheckResult | null): Map<string, number> =>
  parseExposition(renderTextfile(natCheckFamilies({ site: 'hq', server: '198.51.100.2:3478', result: r, durationSeconds: 0.5, endedAtMs: 1_796_000_000_000 })));
const BASE = 'server=198.51.100.2:3478,site=hq';

describe('nat-check metrics', () => {
  it('NAT type from mapping and filtering: none, symmetric, port_restricted, cone, unknown', () => {
    expect(natTypeLabel(result({ natted: false }))).toBe('none');
    expect(natTypeLabel(result({ mappingBehaviour: 'destination-dependent' }))).toBe('symmetric');
    expect(natTypeLabel(result())).toBe('port_restricted');
    expect(natTypeLabel(result({ changePortAnswered: true }))).toBe('cone');
    expect(natTypeLabel(result({ mappingBehaviour: null, changePortAnswered: null }))).toBe('unknown');
    expect(natTypeLabel(result({ changePortAnswered: null }))).toBe('unknown');
  });

  it('a port-restricted NAT: the nat_type state set, behind_nat, filtering, the mapped port and public address, stable mapping', () => {
    const m = metrics(result());
    expect(m.get(`voipready_nat_check_success|${BASE}`)).toBe(1);
    expect(m.get(`voipready_nat_check_behind_nat|${BASE}`)).toBe(1);
    expect(NAT_TYPE_LABELS.map((t) => [t, m.get(`voipready_nat_check_nat_type|nat_type=${t},${BASE}`)])).toEqual([
      ['none', 0], ['cone', 0], ['port_restricted', 1], ['symmetric', 0], ['unknown', 0],
    ]);
    expect(m.get(`voipready_nat_check_filtering_open|${BASE}`)).toBe(0);
    expect(m.get(`voipready_nat_check_mapping_stable|${BASE}`)).toBe(1);
    expect(m.get(`voipready_nat_check_mapped_port|${BASE}`)).toBe(40000);
    expect(m.get(`voipready_nat_check_public_address_info|address=198.51.100.1,${BASE}`)).toBe(1);
    expect(m.has(`voipready_nat_check_binding_kept|${BASE}`)).toBe(false);
    expect(m.get(`voipready_nat_check_last_run_timestamp_seconds|${BASE}`)).toBe(1_796_000_000);
  });

  it('symmetric NAT with --lifetime: mapping_stable 0, the binding test', () => {
    const m = metrics(result({ mappingBehaviour: 'destination-dependent', lifetime: { idleSeconds: 30, kept: false } }));
    expect(m.get(`voipready_nat_check_mapping_stable|${BASE}`)).toBe(0);
    expect(m.get(`voipready_nat_check_binding_kept|${BASE}`)).toBe(0);
    expect(m.get(`voipready_nat_check_binding_idle_seconds|${BASE}`)).toBe(30);
    const set = [...m].filter(([k, v]) => k.startsWith('voipready_nat_check_nat_type|') && v === 1).map(([k]) => k);
    expect(set).toEqual([`voipready_nat_check_nat_type|nat_type=symmetric,${BASE}`]);
  });

  it('one destination only: no mapping_stable or filtering series, nat_type unknown (closed set)', () => {
    const m = metrics(result({ mappingBehaviour: null, changePortAnswered: null }));
    expect(m.has(`voipready_nat_check_mapping_stable|${BASE}`)).toBe(false);
    expect(m.has(`voipready_nat_check_filtering_open|${BASE}`)).toBe(false);
    expect(m.get(`voipready_nat_check_nat_type|nat_type=unknown,${BASE}`)).toBe(1);
    for (const k of m.keys()) {
      const t = /nat_type=([a-z_]+)/.exec(k)?.[1];
      if (t !== undefined) expect(NAT_TYPE_LABELS).toContain(t);
    }
  });

  it('no STUN answer: success 0, only the run series', () => {
    for (const r of [null, result({ mapped: null, mappings: [], natted: null, mappingBehaviour: null, changePortAnswered: null })]) {
      const m = metrics(r);
      expect([...m.keys()].map((k) => k.split('|')[0]).sort()).toEqual(['voipready_nat_check_duration_seconds', 'voipready_nat_check_last_run_timestamp_seconds', 'voipready_nat_check_success']);
      expect(m.get(`voipready_nat_check_success|${BASE}`)).toBe(0);
    }
  });
});
