/**
 * The ITU-T G.107 E-model (06/2015), narrowband: the transmission rating R and its conversion to an
 * estimated conversational MOS (MOS-CQE). Pure functions over numbers.
 *
 *   R = Ro - Is - Id - Ie,eff + A                                              (G.107 7.1)
 *
 * Every input has the default of G.107 Table 1 (7.7); with all defaults R = 93.2 (MOS 4.41).
 * Voice over IP calls change only a few of them: the delays (Ta, T, Tr), the codec's equipment
 * impairment Ie and packet-loss robustness Bpl (G.113 Appendix I), and the measured loss Ppl with
 * its burstiness BurstR.
 */

/** G.107 Table 1 (7.7): the parameters and their default values */
export interface EModelParams {
  /** send loudness rating, dB */
  SLR: number;
  /** receive loudness rating, dB */
  RLR: number;
  /** sidetone masking rating, dB */
  STMR: number;
  /** listener sidetone rating, dB */
  LSTR: number;
  /** D-value of the telephone, send side */
  Ds: number;
  /** D-value of the telephone, receive side */
  Dr: number;
  /** talker echo loudness rating, dB */
  TELR: number;
  /** weighted echo path loss, dB */
  WEPL: number;
  /** mean one-way delay of the echo path, ms */
  T: number;
  /** round-trip delay in a 4-wire loop, ms */
  Tr: number;
  /** absolute delay in echo-free connections (mouth to ear), ms */
  Ta: number;
  /** number of quantisation distortion units */
  qdu: number;
  /** equipment impairment factor (codec) */
  Ie: number;
  /** packet-loss robustness factor (codec, with or without PLC) */
  Bpl: number;
  /** random packet-loss probability, % */
  Ppl: number;
  /** burst ratio: 1 for random loss, > 1 for bursty loss */
  BurstR: number;
  /** circuit noise referred to the 0 dBr point, dBm0p */
  Nc: number;
  /** noise floor at the receive side, dBmp */
  Nfor: number;
  /** room noise at the send side, dB(A) */
  Ps: number;
  /** room noise at the receive side, dB(A) */
  Pr: number;
  /** advantage factor (0 for wired networks) */
  A: number;
  /** delay sensitivity (G.107 7.3): 1 default */
  sT: number;
  /** minimum perceivable delay, ms (G.107 7.3): 100 default */
  mT: number;
}

/** G.107 Table 1 defaults (Bpl's default is 4.3, G.711 without PLC: irrelevant while Ppl = 0) */
export const G107_DEFAULTS: Readonly<EModelParams> = Object.freeze({
  SLR: 8, RLR: 2, STMR: 15, LSTR: 18, Ds: 3, Dr: 3, TELR: 65, WEPL: 110, T: 0, Tr: 0, Ta: 0, qdu: 1,
  Ie: 0, Bpl: 4.3, Ppl: 0, BurstR: 1, Nc: -70, Nfor: -64, Ps: 35, Pr: 35, A: 0, sT: 1, mT: 100,
});

export interface EModelResult {
  R: number;
  Ro: number;
  Is: number;
  Id: number;
  Idte: number;
  Idle: number;
  Idd: number;
  IeEff: number;
  A: number;
  mos: number;
}

const log10 = Math.log10;

/** G.107 7.2: the basic signal-to-noise ratio Ro and the total noise No */
function basicRatio(p: EModelParams): { Ro: number; No: number } {
  const OLR = p.SLR + p.RLR;
  const Nos = p.Ps - p.SLR - p.Ds - 100 + 0.004 * (p.Ps - OLR - p.Ds - 14) ** 2;
  const Pre = p.Pr + 10 * log10(1 + 10 ** ((10 - p.LSTR) / 10));
  const Nor = p.RLR - 121 + Pre + 0.008 * (Pre - 35) ** 2;
  const Nfo = p.Nfor + p.RLR;
  const No = 10 * log10(10 ** (p.Nc / 10) + 10 ** (Nos / 10) + 10 ** (Nor / 10) + 10 ** (Nfo / 10));
  return { Ro: 15 - 1.5 * (p.SLR + No), No };
}

/** G.107 7.3: the simultaneous impairment factor Is = Iolr + Ist + Iq */
function simultaneous(p: EModelParams, Ro: number, No: number): number {
  const OLR = p.SLR + p.RLR;
  const Xolr = OLR + 0.2 * (64 + No - p.RLR);
  const Iolr = 20 * ((1 + (Xolr / 8) ** 8) ** (1 / 8) - Xolr / 8);
  const STMRo = -10 * log10(10 ** (-p.STMR / 10) + Math.exp(-p.T / 4) * 10 ** (-p.TELR / 10));
  const Ist = 12 * (1 + ((STMRo - 13) / 6) ** 8) ** (1 / 8)
    - 28 * (1 + ((STMRo + 1) / 19.4) ** 35) ** (1 / 35)
    - 13 * (1 + ((STMRo - 3) / 33) ** 13) ** (1 / 13) + 29;
  const Q = 37 - 15 * log10(p.qdu);
  const G = 1.07 + 0.258 * Q + 0.0602 * Q * Q;
  const Y = (Ro - 100) / 15 + 46 / 8.4 - G / 9;
  const Z = 46 / 30 - G / 40;
  const Iq = 15 * log10(1 + 10 ** Y + 10 ** Z);
  return Iolr + Ist + Iq;
}

/** G.107 7.4: talker echo impairment Idte */
function talkerEcho(p: EModelParams, Ro: number, No: number, Ist: number): number {
  const T = p.T;
  let TERV = p.TELR - 40 * log10((1 + T / 10) / (1 + T / 150)) + 6 * Math.exp(-0.3 * T * T);
  if (p.STMR < 9) TERV += Ist / 2; // TERVs: low sidetone
  const Roe = -1.5 * (No - p.RLR);
  const Re = 80 + 2.5 * (TERV - 14);
  const d = Roe - Re;
  return (d / 2 + Math.sqrt((d * d) / 4 + 100) - 1) * (1 - Math.exp(-T));
}

/** G.107 7.4/7-26: listener echo impairment Idle */
function listenerEcho(p: EModelParams, Ro: number): number {
  const Rle = 10.5 * (p.WEPL + 7) * (p.Tr + 1) ** -0.25;
  const d = Ro - Rle;
  return d / 2 + Math.sqrt((d * d) / 4 + 169);
}

/**
 * G.107 7.4/7-28: the impairment of too-long absolute delay Ta (ms). 0 up to mT (100 ms);
 * above, with X = log10(Ta/mT)/log10(2):
 *   Idd = 25 {(1 + X^(6 sT))^(1/(6 sT)) - 3 (1 + (X/3)^(6 sT))^(1/(6 sT)) + 2}
 */
export function delayImpairmentIdd(Ta: number, sT = 1, mT = 100): number {
  if (Ta <= mT) return 0;
  const X = log10(Ta / mT) / log10(2);
  const e = 6 * sT;
  return 25 * ((1 + X ** e) ** (1 / e) - 3 * (1 + (X / 3) ** e) ** (1 / e) + 2);
}

/**
 * G.107 7.5: effective equipment impairment with packet loss,
 *   Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl)
 * Ppl in %, BurstR 1 for random loss.
 */
export function effectiveIe(Ie: number, Bpl: number, Ppl: number, BurstR = 1): number {
  if (Ppl <= 0) return Ie;
  return Ie + ((95 - Ie) * Ppl) / (Ppl / BurstR + Bpl);
}

/**
 * G.107 7.5: BurstR from a two-state Markov model of the loss pattern, with p the
 * probability that a packet is lost after a received one and q that it is received after a lost one:
 * BurstR = 1 / (p + q). From a stream's counts: `runs` loss runs (bursts), `lost` packets lost,
 * `received` packets received: p = runs / received, q = runs / lost. No loss: 1 (random).
 */
export function burstRatio(lost: number, received: number, runs: number): number {
  if (lost <= 0 || received <= 0 || runs <= 0) return 1;
  const p = runs / received;
  const q = runs / lost;
  return 1 / (p + q);
}

/**
 * G.107 Annex B (B.4): R to MOS-CQE, clamped: R < 0 gives 1, R > 100 gives 4.5, and in between
 * MOS = 1 + 0.035 R + R (R - 60)(100 - R) 7e-6 (which dips slightly below 1 for R < 6.5: clamped to 1).
 */
export function mosFromR(R: number): number {
  if (R <= 0) return 1;
  if (R >= 100) return 4.5;
  const mos = 1 + 0.035 * R + R * (R - 60) * (100 - R) * 7e-6;
  return Math.min(4.5, Math.max(1, mos));
}

/** G.107 7.1: the rating R and its parts, from parameters laid over the defaults */
export function eModel(overrides: Partial<EModelParams> = {}): EModelResult {
  const p: EModelParams = { ...G107_DEFAULTS, ...overrides };
  const { Ro, No } = basicRatio(p);
  const Is = simultaneous(p, Ro, No);
  const STMRo = -10 * log10(10 ** (-p.STMR / 10) + Math.exp(-p.T / 4) * 10 ** (-p.TELR / 10));
  const Ist = 12 * (1 + ((STMRo - 13) / 6) ** 8) ** (1 / 8) - 28 * (1 + ((STMRo + 1) / 19.4) ** 35) ** (1 / 35) - 13 * (1 + ((STMRo - 3) / 33) ** 13) ** (1 / 13) + 29;
  // G.107 7.4: with high sidetone masking (STMR > 20 dB) Idte is replaced by Idtes = sqrt(Idte^2 + Ist^2)
  const Idte0 = talkerEcho(p, Ro, No, Ist);
  const Idte = p.STMR > 20 ? Math.sqrt(Idte0 * Idte0 + Ist * Ist) : Idte0;
  const Idle = listenerEcho(p, Ro);
  const Idd = delayImpairmentIdd(p.Ta, p.sT, p.mT);
  const Id = Idte + Idle + Idd;
  const IeEff = effectiveIe(p.Ie, p.Bpl, p.Ppl, p.BurstR);
  const R = Ro - Is - Id - IeEff + p.A;
  return { R, Ro, Is, Id, Idte, Idle, Idd, IeEff, A: p.A, mos: mosFromR(R) };
}
