/**
 * The latching rules as a table: each vector is a sequence of steps on one side's Latch (learnMs
 * 3000) with the verdict and the latched source expected after each packet. Both relay
 * implementations are tested against this same table (src/proxy/media/latch.ts and the native
 * relay), so the rules cannot drift apart.
 */
export interface LatchStepSetPeer {
  t: number;
  setPeer: string | null;
}

export interface LatchStepPacket {
  t: number;
  from: string;
  expect: 'accept' | 'drop';
  /** the latched source after this packet ("addr:port"), null for none */
  latched: string | null;
  /** the host constraint passed (RTCP: its RTP latch's address; null: none latched yet) */
  host?: string | null;
}

export type LatchStep = LatchStepSetPeer | LatchStepPacket;

export interface LatchVector {
  name: string;
  learnMs: number;
  steps: LatchStep[];
}

const PHONE = '192.0.2.10:4000';
const NATTED = '198.51.100.7:31000';
const ATTACKER = '203.0.113.66:5555';

export const LATCH_VECTORS: LatchVector[] = [
  {
    name: 'the SDP address latches at once and ends learning: a third party is dropped right after',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: PHONE },
      { t: 10, from: PHONE, expect: 'accept', latched: PHONE },
      { t: 20, from: ATTACKER, expect: 'drop', latched: PHONE },
      { t: 5000, from: ATTACKER, expect: 'drop', latched: PHONE },
      { t: 5020, from: PHONE, expect: 'accept', latched: PHONE },
    ],
  },
  {
    name: 'behind NAT: the first source latches provisionally and stays after the window (strict source)',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: PHONE },
      { t: 100, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 200, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 3200, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 3300, from: ATTACKER, expect: 'drop', latched: NATTED },
    ],
  },
  {
    name: 'a provisional latch is replaced by the SDP address arriving inside the window',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: PHONE },
      { t: 50, from: ATTACKER, expect: 'accept', latched: ATTACKER },
      { t: 60, from: PHONE, expect: 'accept', latched: PHONE },
      { t: 70, from: ATTACKER, expect: 'drop', latched: PHONE },
    ],
  },
  {
    name: 'while provisionally latched, a second unknown source is dropped',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: PHONE },
      { t: 50, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 60, from: ATTACKER, expect: 'drop', latched: NATTED },
      { t: 70, from: NATTED, expect: 'accept', latched: NATTED },
    ],
  },
  {
    name: 'the window counts from the first packet, not from setPeer: a late-starting phone still learns',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: PHONE },
      { t: 10000, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 12000, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 13500, from: ATTACKER, expect: 'drop', latched: NATTED },
    ],
  },
  {
    name: 'after the window the SDP address itself no longer takes over (RTP bleed: learning only after an offer/answer)',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: PHONE },
      { t: 10, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 3100, from: PHONE, expect: 'drop', latched: NATTED },
    ],
  },
  {
    name: 'a new offer/answer re-opens learning from setPeer when media already flows',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: PHONE },
      { t: 10, from: PHONE, expect: 'accept', latched: PHONE },
      { t: 20000, setPeer: '192.0.2.11:4002' },
      { t: 20100, from: '192.0.2.11:4002', expect: 'accept', latched: '192.0.2.11:4002' },
      { t: 20200, from: PHONE, expect: 'drop', latched: '192.0.2.11:4002' },
    ],
  },
  {
    name: 're-opened learning ends after its window: an attacker after it gets nothing',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: PHONE },
      { t: 10, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 20000, setPeer: PHONE },
      { t: 20010, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 23100, from: ATTACKER, expect: 'drop', latched: NATTED },
    ],
  },
  {
    name: 'no SDP address (hold with c=0.0.0.0): the first source latches provisionally, strict after the window',
    learnMs: 1000,
    steps: [
      { t: 0, setPeer: null },
      { t: 10, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 1200, from: ATTACKER, expect: 'drop', latched: NATTED },
    ],
  },
  {
    name: 'before any setPeer the side learns (early media before its SDP was seen)',
    learnMs: 3000,
    steps: [
      { t: 0, from: NATTED, expect: 'accept', latched: NATTED },
      { t: 3100, from: ATTACKER, expect: 'drop', latched: NATTED },
    ],
  },
  {
    name: 'RTCP latches only from its RTP host or the exact SDP endpoint: a sprayer of the RTCP port is dropped',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: '192.0.2.10:4001' },
      { t: 5, from: ATTACKER, host: null, expect: 'drop', latched: null },
      { t: 10, from: ATTACKER, host: '198.51.100.7', expect: 'drop', latched: null },
      { t: 20, from: '198.51.100.7:31001', host: '198.51.100.7', expect: 'accept', latched: '198.51.100.7:31001' },
      { t: 30, from: '192.0.2.10:4001', host: '198.51.100.7', expect: 'accept', latched: '192.0.2.10:4001' },
      { t: 40, from: '198.51.100.7:31001', host: '198.51.100.7', expect: 'drop', latched: '192.0.2.10:4001' },
    ],
  },
  {
    name: 'same address, other port: not the SDP endpoint',
    learnMs: 3000,
    steps: [
      { t: 0, setPeer: PHONE },
      { t: 10, from: '192.0.2.10:4001', expect: 'accept', latched: '192.0.2.10:4001' },
      { t: 20, from: PHONE, expect: 'accept', latched: PHONE },
      { t: 30, from: '192.0.2.10:4001', expect: 'drop', latched: PHONE },
    ],
  },
];

export function endpointOf(text: string): { address: string; port: number } {
  const i = text.lastIndexOf(':');
  return { address: text.slice(0, i), port: Number(text.slice(i + 1)) };
}
