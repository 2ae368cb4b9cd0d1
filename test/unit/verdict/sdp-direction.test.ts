/** Offer/answer directions through a call's SDPs (src/verdict/sdp-direction.ts) and what call-checks make of them. */
import { describe, expect, it } from 'vitest';
import type { SdpMediaReport } from '../../../src/model/report.js';
import { audioPeriods } from '../../../src/verdict/sdp-direction.js';
import { callFailureSeverity, checkCall } from '../../../src/verdict/call-checks.js';
import { PROFILES } from '../../../src/verdict/profiles/index.js';
import { call } from '../../helpers/report-builders.js';

type Dir = SdpMediaReport['direction'];

function line(packet: number, side: 'offer' | 'answer', byCaller: boolean, direction: Dir, over: Partial<SdpMediaReport> = {}): SdpMediaReport {
  return {
    packet, side, byCaller, media: 'audio', protocol: 'RTP/AVP', address: byCaller ? '10.0.0.1:4000' : '10.0.0.2:5000',
    direction, payloadTypes: [0, 101], codecs: ['g711U', 'telephone-event'], ...over,
  };
}

const ways = (sdp: SdpMediaReport[]) => audioPeriods(sdp).map((p) => [p.fromPacket, p.callerSends, p.calleeSends]);

describe('audioPeriods', () => {
  it('hold (sendonly -> recvonly) and resume: three periods from the answers', () => {
    expect(ways([
      line(1, 'offer', true, 'sendrecv'), line(4, 'answer', false, 'sendrecv'),
      line(100, 'offer', true, 'sendonly'), line(102, 'answer', false, 'recvonly'),
      line(200, 'offer', true, 'sendrecv'), line(202, 'answer', false, 'sendrecv'),
    ])).toEqual([[4, true, true], [102, true, false], [202, true, true]]);
  });

  it('the callee holds: its offer is the callee\'s (byCaller false), the caller stops', () => {
    expect(ways([
      line(1, 'offer', true, 'sendrecv'), line(4, 'answer', false, 'sendrecv'),
      line(100, 'offer', false, 'sendonly'), line(101, 'answer', true, 'recvonly'),
    ])).toEqual([[4, true, true], [101, false, true]]);
  });

  it('RFC 2543 hold: c=0.0.0.0 in a sendrecv offer means "do not send to me"', () => {
    expect(ways([
      line(1, 'offer', true, 'sendrecv'), line(4, 'answer', false, 'sendrecv'),
      line(100, 'offer', true, 'sendrecv', { address: '0.0.0.0:4000' }), line(101, 'answer', false, 'sendrecv'),
    ])).toEqual([[4, true, true], [101, true, false]]);
  });

  it('a declined re-INVITE (no answer: 488) changes nothing; 183 and 200 answers of one offer are one period', () => {
    expect(ways([
      line(1, 'offer', true, 'sendrecv'), line(3, 'answer', false, 'sendrecv'), line(4, 'answer', false, 'sendrecv'),
      line(100, 'offer', true, 'sendonly'),
    ])).toEqual([[3, true, true]]);
  });

  it('late offer: the offer in the 200, the answer in the ACK', () => {
    expect(ways([line(4, 'offer', false, 'recvonly'), line(5, 'answer', true, 'sendonly')])).toEqual([[5, true, false]]);
  });

  it('a T.38 answer (no audio line) stops the voice; inactive stops both', () => {
    const t38 = { media: 'image', protocol: 'udptl', payloadTypes: [], codecs: [] };
    expect(ways([
      line(1, 'offer', true, 'sendrecv'), line(4, 'answer', false, 'sendrecv'),
      line(100, 'offer', true, 'sendrecv', t38), line(101, 'answer', false, 'sendrecv', t38),
    ])).toEqual([[4, true, true], [101, false, false]]);
    expect(ways([line(1, 'offer', true, 'inactive'), line(4, 'answer', false, 'inactive')])).toEqual([[4, false, false]]);
  });

  it('no SDP at all: both ways from the start; an offer never answered: the offer\'s wish', () => {
    expect(ways([])).toEqual([[0, true, true]]);
    expect(ways([line(1, 'offer', true, 'sendonly')])).toEqual([[1, true, false]]);
  });
});

describe('checkCall with the SDP', () => {
  const t = PROFILES.default!.thresholds;
  const fwd = { id: 's1', src: '10.0.0.1:4000', dst: '10.0.0.2:5000', packets: 100, firstPacket: 5, lastPacket: 300, payloadType: 0, codec: 'g711U', telephoneEventPackets: 0 };
  const back = { id: 's2', src: '10.0.0.2:5000', dst: '10.0.0.1:4000', packets: 50, firstPacket: 6, lastPacket: 99, payloadType: 0, codec: 'g711U', telephoneEventPackets: 0 };
  const codes = (sdp: SdpMediaReport[], streams = [fwd, back]) => checkCall(call({ sdp, streams: streams.map((s) => s.id) }), streams, t).map((f) => f.code);

  it('the callee silent while on hold, then back: no ONE_WAY_AUDIO; silent after the resume: ONE_WAY_AUDIO', () => {
    const hold = [
      line(1, 'offer', true, 'sendrecv'), line(4, 'answer', false, 'sendrecv'),
      line(100, 'offer', true, 'sendonly'), line(102, 'answer', false, 'recvonly'),
    ];
    expect(codes(hold)).not.toContain('ONE_WAY_AUDIO');
    const resumed = [...hold, line(200, 'offer', true, 'sendrecv'), line(202, 'answer', false, 'sendrecv')];
    expect(codes(resumed)).toContain('ONE_WAY_AUDIO');
  });

  it('a sendonly call with one stream: no finding; the same stream under sendrecv SDP: ONE_WAY_AUDIO', () => {
    expect(codes([line(1, 'offer', true, 'sendonly'), line(4, 'answer', false, 'recvonly')], [fwd])).not.toContain('ONE_WAY_AUDIO');
    expect(codes([line(1, 'offer', true, 'sendrecv'), line(4, 'answer', false, 'sendrecv')], [fwd])).toContain('ONE_WAY_AUDIO');
  });

  it('PT 8 flowing where the answer took PT 0 only: one CODEC_NOT_NEGOTIATED for the call, DTMF not counted', () => {
    const pcma = { ...fwd, payloadType: 8, codec: 'g711A' };
    const pcmaBack = { ...back, payloadType: 8, codec: 'g711A' };
    const dtmf = { ...fwd, id: 's3', payloadType: 101, codec: 'telephone-event', telephoneEventPackets: 100 };
    const sdp = [line(1, 'offer', true, 'sendrecv', { payloadTypes: [8, 101] }), line(4, 'answer', false, 'sendrecv', { payloadTypes: [0] })];
    const found = checkCall(call({ sdp }), [pcma, pcmaBack, dtmf], t).filter((f) => f.code === 'CODEC_NOT_NEGOTIATED');
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(/PT 8 \(g711A\) in s1, s2 while the answer \(packet 4\) accepted PT 0 only/);
    expect(codes(sdp, [fwd, back])).not.toContain('CODEC_NOT_NEGOTIATED');
  });

  it('inactive all along: no NO_RTP_FOR_CALL; answered sendrecv without RTP: NO_RTP_FOR_CALL', () => {
    expect(codes([line(1, 'offer', true, 'inactive'), line(4, 'answer', false, 'inactive')], [])).not.toContain('NO_RTP_FOR_CALL');
    expect(codes([line(1, 'offer', true, 'sendrecv'), line(4, 'answer', false, 'sendrecv')], [])).toContain('NO_RTP_FOR_CALL');
  });

  it('answered, RTP, no BYE: CALL_NO_BYE (info); with a BYE: none', () => {
    const streams = [fwd, back];
    const noBye = checkCall(call({ state: 'answered', byeSeen: false, durationSeconds: 26 }), streams, t).find((f) => f.code === 'CALL_NO_BYE');
    expect(noBye?.severity).toBe('info');
    expect(noBye?.message).toMatch(/no BYE in the capture.*26\.0 s/);
    expect(checkCall(call({ state: 'ended', byeSeen: true }), streams, t).map((f) => f.code)).not.toContain('CALL_NO_BYE');
  });
});

describe('which call failures warn (README "Verdicts")', () => {
  it.each([[503, 'warn'], [500, 'warn'], [408, 'warn'], [403, 'info'], [404, 'info'], [486, 'info'], [487, 'info'], [302, 'info'], [603, 'info']] as const)('%i -> %s', (status, severity) => {
    expect(callFailureSeverity(status)).toBe(severity);
    const f = checkCall(call({ finalStatus: status, state: 'rejected' }), [], PROFILES.default!.thresholds).find((x) => x.code === 'CALL_FAILED');
    expect(f?.severity).toBe(severity);
  });
});
