import { describe, expect, it } from 'vitest';
import { addressKind, sameAddress, splitEndpoint } from '../../../src/detect/alg/addresses.js';
import { changesOf, unifiedDiff } from '../../../src/detect/alg/diff-lines.js';
import { ALG_NAT_CODES } from '../../../src/detect/alg/observation.js';
import { hasAdvice } from '../../../src/outputs/html/advice.js';

describe('address kinds', () => {
  it.each([
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['172.32.0.1', 'public'],
    ['172.168.0.252', 'public'], ['192.168.1.2', 'private'], ['100.64.0.1', 'private'], ['127.0.0.1', 'private'],
    ['169.254.1.1', 'private'], ['198.51.100.1', 'public'], ['8.8.8.8', 'public'], ['[fd17::1]', 'private'],
    ['fe80::1%eth0', 'private'], ['2001:db8::1', 'public'], ['::ffff:10.0.0.1', 'private'], ['pbx.example.com', 'name'],
    ['999.1.1.1', 'name'],
  ])('%s is %s', (a, k) => {
    expect(addressKind(a)).toBe(k);
  });

  it('compares IPv6 after expansion and splits endpoints', () => {
    expect(sameAddress('[2001:db8:0::1]', '2001:db8::0:1')).toBe(true);
    expect(sameAddress('10.0.0.1', '10.0.0.2')).toBe(false);
    expect(splitEndpoint('[2001:db8::1]:4000')).toEqual({ addr: '2001:db8::1', port: 4000 });
    expect(splitEndpoint('10.0.0.5:5060')).toEqual({ addr: '10.0.0.5', port: 5060 });
  });
});

describe('line diff', () => {
  const a = [{ field: 'Via', text: 'Via: a' }, { field: 'To', text: 'To: x' }, { field: 'User-Agent', text: 'User-Agent: u' }];
  const b = [{ field: 'Via', text: 'Via: b' }, { field: 'To', text: 'To: x' }];
  it('pairs a removed and an added line of one field, and reports removals', () => {
    expect(changesOf(a, b)).toEqual([
      { field: 'Via', before: 'Via: a', after: 'Via: b' },
      { field: 'User-Agent', before: 'User-Agent: u', after: null },
    ]);
  });
  it('writes a unified diff with one line of context, nothing for equal messages', () => {
    expect(unifiedDiff(a, b, 'in', 'out')).toBe('--- in\n+++ out\n@@ -1,3 +1,2 @@\n-Via: a\n+Via: b\n To: x\n-User-Agent: u');
    expect(unifiedDiff(a, a, 'in', 'out')).toBe('');
  });
});

describe('codes', () => {
  it.each(ALG_NAT_CODES)('%s has advice', (c) => {
    expect(hasAdvice(c)).toBe(true);
  });
});
