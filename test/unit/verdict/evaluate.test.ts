import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/verdict/evaluate.js';
import { PROFILES, VOIP_READY_LIMITS } from '../../../src/verdict/profiles/index.js';
import { call, stream } from '../../helpers/report-builders.js';

const t = VOIP_READY_LIMITS;
const both = [stream(), stream({ id: 's2', src: '10.0.0.2:20000', dst: '10.0.0.1:10000', srcPort: 20000, dstPort: 10000 })];

describe('evaluate', () => {
  it('passes a clean call and says why', () => {
    const e = evaluate({ thresholds: t, streams: both, calls: [call()], link: null, findings: [] });
    expect(e.verdict).toBe('pass');
    expect(e.findings).toEqual([]);
    expect(e.reason).toMatch(/all 2 RTP stream/);
    expect(e.calls[0]?.verdict).toBe('pass');
  });

  it('fails loss above 3 % and names stream, amount and limit', () => {
    const lossy = stream({ id: 's2', lost: 20, expected: 500, packets: 480, lossPercent: 4 });
    const e = evaluate({ thresholds: t, streams: [both[0]!, lossy], calls: [call()], link: null, findings: [] });
    expect(e.verdict).toBe('fail');
    const f = e.findings.find((x) => x.code === 'LOSS_HIGH');
    expect(f?.severity).toBe('fail');
    expect(f?.streamId).toBe('s2');
    expect(f?.message).toContain('4.00 %');
    expect(f?.message).toContain('3 % limit');
    expect(e.calls[0]?.verdict).toBe('fail');
    expect(e.reason).toContain('packet loss');
  });

  it('warns when loss is close to the limit (above warnFraction)', () => {
    const e = evaluate({ thresholds: t, streams: [stream({ lossPercent: 2.6, lost: 13 })], calls: [], link: null, findings: [] });
    expect(e.findings.map((f) => [f.code, f.severity])).toEqual([['LOSS_HIGH', 'warn']]);
    expect(e.verdict).toBe('warn');
  });

  it('holds mean jitter to the limit and reports spikes of the max as warnings', () => {
    const high = evaluate({ thresholds: t, streams: [stream({ jitterMeanMs: 25, jitterMaxMs: 40 })], calls: [], link: null, findings: [] });
    expect(high.findings[0]?.code).toBe('JITTER_HIGH');
    expect(high.verdict).toBe('fail');
    const spike = evaluate({ thresholds: t, streams: [stream({ jitterMeanMs: 2, jitterMaxMs: 30 })], calls: [], link: null, findings: [] });
    expect(spike.findings[0]?.code).toBe('JITTER_SPIKE');
    expect(spike.verdict).toBe('warn');
  });

  it('ignores jitter of streams without a clock rate (telephone-event, unknown PT)', () => {
    const e = evaluate({ thresholds: t, streams: [stream({ clockRate: 0, jitterMeanMs: 99, jitterMaxMs: 99 })], calls: [], link: null, findings: [] });
    expect(e.findings.filter((f) => f.code.startsWith('JITTER'))).toEqual([]);
  });

  it('fails RTP not marked EF and warns when the marking changes within a stream', () => {
    const e = evaluate({ thresholds: t, streams: [stream({ dscp: { '0': 10, '46': 490 } })], calls: [], link: null, findings: [] });
    const codes = e.findings.map((f) => f.code).sort();
    expect(codes).toEqual(['DSCP_CHANGED', 'DSCP_RTP_NOT_EF']);
    expect(e.findings.find((f) => f.code === 'DSCP_RTP_NOT_EF')?.message).toMatch(/^10 of 500 RTP packets/);
  });

  it('checks the port range of a profile: neither port inside fails', () => {
    const starface = PROFILES.starface!.thresholds;
    const inside = evaluate({ thresholds: starface, streams: [stream({ srcPort: 40000, dstPort: 12000 })], calls: [], link: null, findings: [] });
    expect(inside.findings.filter((f) => f.code === 'PORT_OUT_OF_RANGE')).toEqual([]);
    const outside = evaluate({ thresholds: starface, streams: [stream({ srcPort: 40000, dstPort: 30002 })], calls: [], link: null, findings: [] });
    expect(outside.findings.map((f) => f.code)).toContain('PORT_OUT_OF_RANGE');
    expect(outside.summary.find((s) => s.criterion === 'ports')?.verdict).toBe('fail');
  });

  it('calls: busy is info, 503 is a warning, answered without RTP and one-way audio are flagged', () => {
    const busy = evaluate({ thresholds: t, streams: [], calls: [call({ finalStatus: 486, state: 'rejected', streams: [] })], link: null, findings: [] });
    expect(busy.findings.find((f) => f.code === 'CALL_FAILED')?.severity).toBe('info');
    const down = evaluate({ thresholds: t, streams: [], calls: [call({ finalStatus: 503, state: 'rejected', streams: [] })], link: null, findings: [] });
    expect(down.findings.find((f) => f.code === 'CALL_FAILED')?.severity).toBe('warn');
    const noRtp = evaluate({ thresholds: t, streams: [], calls: [call({ streams: [] })], link: null, findings: [] });
    expect(noRtp.findings.map((f) => f.code)).toContain('NO_RTP_FOR_CALL');
    const oneWay = evaluate({ thresholds: t, streams: [both[0]!], calls: [call({ streams: ['s1'] })], link: null, findings: [] });
    expect(oneWay.findings.map((f) => f.code)).toContain('ONE_WAY_AUDIO');
  });

  it('SIP marked CS5 instead of CS3/AF31 is a warning', () => {
    const e = evaluate({ thresholds: t, streams: both, calls: [call({ sipDscp: { '40': 7 } })], link: null, findings: [] });
    const f = e.findings.find((x) => x.code === 'DSCP_SIP_NOT_CS3_AF31');
    expect(f?.severity).toBe('warn');
    expect(f?.message).toContain('CS5 (40)');
  });

  it('no RTP at all is a warning with a reason, not a pass', () => {
    const e = evaluate({ thresholds: t, streams: [], calls: [], link: null, findings: [] });
    expect(e.verdict).toBe('warn');
    expect(e.reason).toMatch(/no RTP stream/);
  });

  it('link utilisation above 40 % fails; the summary lists worst first', () => {
    const e = evaluate({ thresholds: t, streams: both, calls: [], link: { linkSpeedBitsPerSecond: 1e6, peakPercent: 55, meanPercent: 20, peakAt: 1_700_000_000 }, findings: [] });
    expect(e.link?.verdict).toBe('fail');
    expect(e.summary[0]?.criterion).toBe('linkUtilisation');
    expect(e.findings[0]?.code).toBe('LINK_UTILISATION_HIGH');
  });

  it('estimates one-way delay as half the RTCP round trip, and says so', () => {
    const rtcp = { packets: 5, senderReports: 5, receiverReports: 0, remoteFractionLostPercent: 0, remoteCumulativeLost: 0, remoteJitterMs: 1, rttMs: 120, rttMaxMs: 140 };
    const e = evaluate({ thresholds: t, streams: [stream({ rtcp })], calls: [], link: null, findings: [] });
    const owd = e.summary.find((s) => s.criterion === 'oneWayDelay');
    expect(owd?.measured).toContain('70.0 ms');
    expect(owd?.verdict).toBe('fail');
  });

  describe('summary rows follow the stream grader', () => {
    const rowOf = (e: ReturnType<typeof evaluate>, criterion: string) => e.summary.find((r) => r.criterion === criterion);

    it('rtpDscp: [] accepts any DSCP: no DSCP finding, the row says "any" and passes', () => {
      const any = { ...t, rtpDscp: [] };
      const e = evaluate({ thresholds: any, streams: [stream({ dscp: { '0': 500 } }), stream({ id: 's2', dscp: { '4': 500 } })], calls: [], link: null, findings: [] });
      expect(e.findings).toEqual([]);
      expect(e.streams.map((s) => s.verdict)).toEqual(['pass', 'pass']);
      expect(rowOf(e, 'dscp')).toEqual({ criterion: 'dscp', label: 'DSCP marking (RTP)', limit: 'any', measured: 'CS0 (0), 4', verdict: 'pass' });
      expect(evaluate({ thresholds: any, streams: [], calls: [], link: null, findings: [] }).summary.find((r) => r.criterion === 'dscp')?.limit).toBe('any');
    });

    it('the DSCP row fails with a wrong marking and warns on a re-marked stream, as the streams do', () => {
      const wrong = evaluate({ thresholds: t, streams: [stream({ dscp: { '0': 500 } }), stream({ id: 's2' })], calls: [], link: null, findings: [] });
      expect(rowOf(wrong, 'dscp')).toMatchObject({ limit: 'EF (46)', measured: 'CS0 (0), EF (46) (1 stream(s) wrong)', verdict: 'fail' });
      const remarked = evaluate({ thresholds: { ...t, rtpDscp: [] }, streams: [stream({ dscp: { '0': 10, '46': 490 } })], calls: [], link: null, findings: [] });
      expect(remarked.streams[0]?.verdict).toBe('warn');
      expect(rowOf(remarked, 'dscp')).toMatchObject({ measured: 'CS0 (0), EF (46) (1 stream(s) re-marked)', verdict: 'warn' });
    });

    it('the loss row covers every stream the loss check grades, also one without a clock rate', () => {
      const e = evaluate({ thresholds: t, streams: [stream({ clockRate: 0, lossPercent: 13.8, lost: 69 })], calls: [], link: null, findings: [] });
      expect(e.streams[0]?.verdict).toBe('fail');
      expect(rowOf(e, 'loss')).toMatchObject({ measured: '13.8 % (s1)', verdict: 'fail' });
      expect(rowOf(e, 'jitter')?.verdict).toBe('n/a');
    });

    it('the jitter row warns on a spike as the stream does, and names the stream behind the worst verdict', () => {
      const spike = stream({ id: 's1', jitterMeanMs: 2, jitterMaxMs: 30 });
      const higherMean = stream({ id: 's2', jitterMeanMs: 15, jitterMaxMs: 19 });
      const e = evaluate({ thresholds: t, streams: [spike, higherMean], calls: [], link: null, findings: [] });
      expect(e.streams.map((s) => s.verdict)).toEqual(['warn', 'pass']);
      expect(rowOf(e, 'jitter')).toMatchObject({ measured: '2.00 ms (max 30.0 ms, s1)', verdict: 'warn' });
      const clean = evaluate({ thresholds: t, streams: [stream({ jitterMeanMs: 3 }), stream({ id: 's2', jitterMeanMs: 5 })], calls: [], link: null, findings: [] });
      expect(rowOf(clean, 'jitter')).toMatchObject({ measured: '5.00 ms (max 2.00 ms, s2)', verdict: 'pass' });
    });

    it('every stream row\'s verdict is the worst of its criterion\'s checks (warn and fail bands)', () => {
      const warnLoss = evaluate({ thresholds: t, streams: [stream({ lossPercent: 2.5 })], calls: [], link: null, findings: [] });
      expect(rowOf(warnLoss, 'loss')?.verdict).toBe('warn');
      const failJitter = evaluate({ thresholds: t, streams: [stream({ jitterMeanMs: 20.5, jitterMaxMs: 25 })], calls: [], link: null, findings: [] });
      expect(rowOf(failJitter, 'jitter')?.verdict).toBe('fail');
      const ports = evaluate({ thresholds: PROFILES.starface!.thresholds, streams: [stream({ srcPort: 9999, dstPort: 20001 })], calls: [], link: null, findings: [] });
      expect(rowOf(ports, 'ports')).toMatchObject({ limit: 'UDP 10000-20000', measured: '1 of 1 stream(s) outside', verdict: 'fail' });
    });
  });
});
