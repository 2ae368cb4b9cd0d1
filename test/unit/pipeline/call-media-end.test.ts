/** A call without BYE lasts to its media's last packet (src/pipeline/call-media-end.ts). */
import { describe, expect, it } from 'vitest';
import { withMediaEnd } from '../../../src/pipeline/call-media-end.js';

const streams = [
  { startTime: '2026-01-01T00:00:01.000Z', durationSeconds: 26, packets: 1300 },
  { startTime: '2026-01-01T00:00:01.010Z', durationSeconds: 25.5, packets: 1275 },
];

describe('withMediaEnd', () => {
  it('answered, no BYE, last SIP at the ACK: 0.0 s becomes answer -> last media packet', () => {
    const c = withMediaEnd({ state: 'answered', byeSeen: false, answerTime: '2026-01-01T00:00:00.950Z', durationSeconds: 0.02 }, streams);
    expect(c.durationSeconds).toBe(26.05);
  });
  it('a call with its BYE, or not answered, or without RTP keeps its signalling duration', () => {
    expect(withMediaEnd({ state: 'ended', byeSeen: true, answerTime: '2026-01-01T00:00:00.950Z', durationSeconds: 10 }, streams).durationSeconds).toBe(10);
    expect(withMediaEnd({ state: 'answered', byeSeen: false, answerTime: null, durationSeconds: null }, streams).durationSeconds).toBeNull();
    expect(withMediaEnd({ state: 'answered', byeSeen: false, answerTime: '2026-01-01T00:00:00.950Z', durationSeconds: 0.02 }, []).durationSeconds).toBe(0.02);
  });
});
