/** alg-check / alg-echo / nat-check / stun-server command lines: usage errors, unreachable servers, help. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('alg command lines', () => {
  it('bad values are usage errors (3)', () => {
    expect(runCli(['alg-check', '--server', '127.0.0.1:5060', '--transport', 'sctp']).status).toBe(3);
    expect(runCli(['alg-check', '--server', '127.0.0.1:5060', '--advertise', 'not-an-ip']).status).toBe(3);
    expect(runCli(['alg-echo', '--listen', '127.0.0.1:99999']).status).toBe(3);
    expect(runCli(['nat-check', '--stun', '127.0.0.1:3478', '--lifetime', '-1']).status).toBe(3);
    expect(runCli(['alg-check']).status).toBe(3);
  });

  it('no echo answering: 7 (E_NETWORK) over UDP and TCP, with the reason', () => {
    const udp = runCli(['alg-check', '--server', '127.0.0.1:9', '--local-port', '0', '--timeout', '600']);
    expect(udp.status).toBe(7);
    expect(udp.stderr).toMatch(/no usable answer from 127\.0\.0\.1:9 over udp: REGISTER: no answer from the echo/);
    const tcp = runCli(['alg-check', '--server', '127.0.0.1:9', '--transport', 'tcp', '--local-port', '0', '--timeout', '600']);
    expect(tcp.status).toBe(7);
    expect(tcp.stderr).toMatch(/cannot connect to 127\.0\.0\.1:9 over TCP/);
  });

  it('a port that cannot be bound: 6 (E_LISTEN)', () => {
    const r = runCli(['stun-server', '--listen', '192.0.2.123:3478']);
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/stun-server cannot listen on 192\.0\.2\.123:3478/);
  });

  it('--help lists the four commands', () => {
    const r = runCli(['--help']);
    for (const c of ['alg-echo', 'alg-check', 'nat-check', 'stun-server']) expect(r.stdout).toContain(c);
  });
});
