/**
 * The REGISTER side of a scenario: one UA per registration spec, registering with the registrar at
 * the callee base address over UDP. Each REGISTER is answered by the next status of `answers` after
 * rttMs; a 401/407 that is not the last answer is followed, 50 ms later, by a REGISTER with credentials.
 */
import { addressPlus, formatAddress, parseAddress, udpFrame, type IpSpec } from './frames.js';
import { aorOf, contactOf, sipRegister, sipRegisterResponse, type RegisterParty } from './register.js';
import type { RegistrationSpec } from './scenario.js';
import type { Emit, GenContext, Source } from './source.js';
import { msToNs, quantize } from './source.js';
import type { RegistrationTruth } from './truth.js';

const UA_PORT = 5070;
const REGISTRAR_PORT = 5060;

interface Msg {
  ns: number;
  fromUa: boolean;
  bytes: Buffer;
}

export class RegisterSource implements Source {
  nextNs: number;
  private readonly msgs: Msg[] = [];
  private k = 0;
  private readonly ua: Uint8Array;
  private readonly registrar: Uint8Array;

  constructor(private readonly ctx: GenContext, spec: RegistrationSpec, index: number, readonly truth: RegistrationTruth) {
    const s = ctx.scenario;
    this.ua = addressPlus(parseAddress(s.callerBase), 200 + index);
    this.registrar = parseAddress(s.calleeBase);
    const party: RegisterParty = {
      user: spec.user, uaAddr: formatAddress(this.ua), uaPort: UA_PORT, registrarAddr: formatAddress(this.registrar),
      registrarPort: REGISTRAR_PORT, callId: `reg-${index}-${s.seed}@synth`, fromTag: `rt${index}`, expires: spec.expires,
    };
    let ns = msToNs(spec.atMs);
    let nonce: string | null = null;
    spec.answers.forEach((status, i) => {
      const seq = i + 1;
      this.msgs.push({ ns, fromUa: true, bytes: sipRegister(party, seq, nonce) });
      nonce = `n${index}x${seq}`;
      ns += msToNs(spec.rttMs);
      this.msgs.push({ ns, fromUa: false, bytes: sipRegisterResponse(party, seq, status, nonce) });
      ns += msToNs(50);
    });
    const last = spec.answers[spec.answers.length - 1] ?? null;
    Object.assign(truth, {
      aor: aorOf(party), contact: contactOf(party), ua: `${party.uaAddr}:${UA_PORT}`, registrar: `${party.registrarAddr}:${REGISTRAR_PORT}`,
      requests: spec.answers.length, challenges: spec.answers.filter((a) => a === 401 || a === 407).length, finalStatus: last,
      expiresSeconds: last !== null && last >= 200 && last < 300 ? spec.expires : null, outcome: outcomeOf(spec.answers, spec.expires),
    });
    this.nextNs = this.msgs.length > 0 ? quantize(ctx, this.msgs[0]!.ns) : Infinity;
  }

  step(emit: Emit): void {
    const m = this.msgs[this.k++]!;
    const ip: IpSpec = {
      version: this.ctx.scenario.ipVersion, src: m.fromUa ? this.ua : this.registrar, dst: m.fromUa ? this.registrar : this.ua,
      dscp: 26, ttl: 64, id: this.ctx.nextIpId(),
    };
    const [sp, dp] = m.fromUa ? [UA_PORT, REGISTRAR_PORT] : [REGISTRAR_PORT, UA_PORT];
    const t = this.truth;
    emit(quantize(this.ctx, m.ns), udpFrame(this.ctx.link, ip, sp, dp, m.bytes, this.ctx.scenario.udpChecksum), (frame) => {
      t.messages++;
      if (t.firstFrame === 0) t.firstFrame = frame;
    });
    this.nextNs = this.k < this.msgs.length ? quantize(this.ctx, this.msgs[this.k]!.ns) : Infinity;
  }
}

/**
 * The generator's own statement of the outcome (README "Registrations"): the last answer decides; a
 * challenge answering credentials (any REGISTER after the first) is an authentication failure.
 */
function outcomeOf(answers: number[], expires: number): RegistrationTruth['outcome'] {
  const last = answers[answers.length - 1];
  if (last === undefined) return 'no-response';
  if (last >= 200 && last < 300) return expires === 0 ? 'unregistered' : 'registered';
  if (last === 401 || last === 407) return answers.length > 1 ? 'auth-failed' : 'challenged';
  if (last === 403 && answers.length > 1) return 'auth-failed';
  return 'failed';
}
