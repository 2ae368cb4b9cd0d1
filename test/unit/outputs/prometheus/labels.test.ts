import { describe, expect, it } from 'vitest';
import {
  NetworkGroups, codecLabel, directionLabel, endpointAddress, peerLabel, statusClassLabel,
} from '../../../../src/outputs/prometheus/labels.js';

describe('bounded labels', () => {
  it('maps codec names to a closed set', () => {
    expect(codecLabel('g711U')).toBe('PCMU');
    expect(codecLabel('pcma')).toBe('PCMA');
    expect(codecLabel('OPUS')).toBe('opus');
    expect(codecLabel('x'.repeat(200))).toBe('other');
    expect(codecLabel('PT-96')).toBe('other');
  });

  it('extracts addresses from endpoints', () => {
    expect(endpointAddress('10.1.2.3:5060')).toBe('10.1.2.3');
    expect(endpointAddress('[2001:db8::1]:5004')).toBe('2001:db8::1');
    expect(endpointAddress('2001:db8::1')).toBe('2001:db8::1');
  });

  it('matches peers by CIDR, IPv4 and IPv6, first group wins, else other', () => {
    const g = new NetworkGroups([
      { name: 'pbx', networks: ['192.0.2.10'] },
      { name: 'carrier', networks: ['192.0.2.0/24', '2001:db8::/32'] },
    ]);
    expect(peerLabel(g, '10.0.0.1:1', '192.0.2.10:2')).toBe('pbx');
    expect(peerLabel(g, '10.0.0.1:1', '192.0.2.11:2')).toBe('carrier');
    expect(peerLabel(g, '[2001:db8:5::1]:1', '10.0.0.2:2')).toBe('carrier');
    expect(peerLabel(g, '10.0.0.1:1', '192.0.3.1:2')).toBe('other');
    expect(() => new NetworkGroups([{ name: 'x', networks: ['10.0.0.0/33'] }])).toThrow(/prefix/);
    expect(() => new NetworkGroups([{ name: 'x', networks: ['not-an-ip'] }])).toThrow(/not an IP/);
  });

  it('derives direction only from configured local networks', () => {
    const local = new NetworkGroups([{ name: 'local', networks: ['10.0.0.0/8'] }]);
    expect(directionLabel(null, '10.0.0.1:1', '192.0.2.1:2')).toBe('unknown');
    expect(directionLabel(local, '10.0.0.1:1', '192.0.2.1:2')).toBe('outbound');
    expect(directionLabel(local, '192.0.2.1:2', '10.0.0.1:1')).toBe('inbound');
    expect(directionLabel(local, '10.0.0.1:1', '10.0.0.2:2')).toBe('unknown');
  });

  it('classes SIP final responses', () => {
    expect(statusClassLabel(200)).toBe('2xx');
    expect(statusClassLabel(486)).toBe('4xx');
    expect(statusClassLabel(null)).toBe('none');
    expect(statusClassLabel(999)).toBe('none');
  });
});
