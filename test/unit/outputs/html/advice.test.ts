import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adviceFor, hasAdvice } from '../../../../src/outputs/html/advice.js';

/** the finding codes the lead's design names for the analysis */
const DESIGN_CODES = [
  'LOSS_HIGH', 'JITTER_HIGH', 'DSCP_RTP_NOT_EF', 'DSCP_SIP_NOT_CS3_AF31', 'DSCP_CHANGED', 'PORT_OUT_OF_RANGE',
  'SIP_PORT_UNEXPECTED', 'CALL_FAILED', 'CALL_SETUP_SLOW', 'NO_RTP_FOR_CALL', 'ONE_WAY_AUDIO', 'LINK_UTILISATION_HIGH',
  'DECODE_ERRORS', 'CAPTURE_TRUNCATED', 'SRTP_NO_PAYLOAD_CHECK', 'RTCP_LOSS_REPORTED', 'NAT_PRIVATE_ADDRESS_IN_SDP',
];

/** codes the source actually emits (code: 'X' in the verdict engine, pipeline and detectors) */
function emittedCodes(): string[] {
  const codes = new Set<string>();
  for (const dir of ['src/verdict', 'src/pipeline', 'src/detect', 'src/probe']) {
    let files: string[] = [];
    try { files = readdirSync(dir, { recursive: true }) as string[]; } catch { continue; }
    for (const f of files.filter((x) => x.endsWith('.ts'))) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/code: '([A-Z][A-Z0-9_]+)'/g)) codes.add(m[1] ?? '');
    }
  }
  return [...codes];
}

describe('advice table', () => {
  it.each(DESIGN_CODES)('%s has its own meaning and action', (code) => {
    expect(hasAdvice(code)).toBe(true);
    const a = adviceFor(code);
    expect(a.meaning.length).toBeGreaterThan(20);
    expect(a.action.length).toBeGreaterThan(10);
  });

  it('covers every code the analysis emits today', () => {
    const missing = emittedCodes().filter((c) => !hasAdvice(c));
    expect(missing).toEqual([]);
  });

  it('gives the issue\'s examples: switch off SIP ALG, DSCP re-marking', () => {
    expect(adviceFor('ONE_WAY_AUDIO').action).toMatch(/SIP ALG/);
    expect(adviceFor('DSCP_RTP_NOT_EF').action).toMatch(/re-marks/);
  });

  it('falls back to a generic text for unknown codes', () => {
    expect(hasAdvice('NO_SUCH_CODE')).toBe(false);
    expect(adviceFor('NO_SUCH_CODE').meaning).toMatch(/unusual/);
  });
});
