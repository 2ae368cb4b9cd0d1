import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, VoipreadyError } from '../../src/errors.js';

describe('error catalogue', () => {
  it('the README table lists exactly the codes, exit codes and texts of src/errors.ts', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = readme.split('<!-- errors:begin')[1]?.split('<!-- errors:end')[0] ?? '';
    const rows = block.split('\n').filter((l) => /^\| E_/.test(l)).map((l) => l.split('|').map((c) => c.trim()).slice(1, 4));
    const expected = Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, String(e.exit), e.summary]);
    expect(rows).toEqual(expected);
  });

  it('messages name the file, packet and offset', () => {
    const e = new VoipreadyError('E_CAPTURE_TRUNCATED', 'record header cut short', { file: 'x.pcap', packet: 12, offset: 4096 });
    expect(e.message).toBe('x.pcap, packet 12, offset 4096: record header cut short');
    expect(e.exitCode).toBe(4);
  });
});
