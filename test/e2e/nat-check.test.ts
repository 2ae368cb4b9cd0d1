/**
 * nat-check across namespaces, against voipready's own stun-server and Debian's coturn (turnserver
 * --stun-only): with MASQUERADE the mapped address is the router's outside address, without it the
 * client's own; the mapping is endpoint-independent (MASQUERADE keeps one mapping per socket).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { createAlgLab, INSIDE_IP, OUTSIDE_IP, ROUTER_OUT_IP, type AlgLab } from '../helpers/alg-lab.js';
import { missingForNetns } from '../helpers/netns.js';

const missing = missingForNetns(['ip', 'iptables']);
const noCoturn = spawnSync('sh', ['-c', 'command -v turnserver'], { stdio: 'ignore' }).status !== 0;

async function startServers(l: AlgLab): Promise<void> {
  const own = l.lab.spawn(l.outside, [process.execPath, BIN, 'stun-server', '--listen', `${OUTSIDE_IP}:3478`], { name: 'stun-server' });
  await own.waitFor(/listening/, 15_000);
  if (!noCoturn) {
    const coturn = l.lab.spawn(l.outside, ['turnserver', '-n', '--stun-only', '-L', OUTSIDE_IP, '-p', '3480', '--no-cli', '--no-tls', '--no-dtls', '--log-file', 'stdout', '--simple-log'], { name: 'coturn' });
    await coturn.waitFor(/Total General servers/, 15_000);
  }
}

async function natCheck(l: AlgLab, args: string[]): Promise<{ status: number | null; json: any }> {
  const p = l.lab.spawn(l.inside, [process.execPath, BIN, 'nat-check', ...args, '--json'], { name: 'nat-check' });
  const status = await p.wait(30_000);
  try {
    return { status, json: JSON.parse(p.stdout) };
  } catch {
    throw new Error(`nat-check (${status}): ${p.stdout} ${p.stderr}`);
  }
}

describe.skipIf(missing !== null)(`nat-check across namespaces${missing !== null ? ` — skipped: ${missing}` : ''}`, () => {
  let nat: AlgLab;
  let routed: AlgLab;
  let symmetric: AlgLab;
  beforeAll(async () => {
    nat = createAlgLab({ masquerade: true, sipHelper: false });
    routed = createAlgLab({ masquerade: false, sipHelper: false });
    symmetric = createAlgLab({ masquerade: true, sipHelper: false, randomPorts: true });
    await Promise.all([startServers(nat), startServers(routed), startServers(symmetric)]);
  });
  afterAll(async () => {
    for (const l of [nat, routed, symmetric]) {
      if (l === undefined) continue;
      await l.lab.destroy();
      rmSync(l.dir, { recursive: true, force: true });
    }
  });

  it('behind MASQUERADE, built-in server: the router\'s outside address, endpoint-independent, binding kept after 1 s', async () => {
    const { status, json } = await natCheck(nat, ['--stun', `${OUTSIDE_IP}:3478`, '--lifetime', '1']);
    expect(status).toBe(0);
    expect(json.mapped.address).toBe(ROUTER_OUT_IP);
    expect(json.natted).toBe(true);
    expect(json.mappings.map((m: any) => m.server)).toEqual([`${OUTSIDE_IP}:3478`, `${OUTSIDE_IP}:3479`]);
    expect(json.mappingBehaviour).toBe('endpoint-independent');
    expect(json.lifetime).toEqual({ idleSeconds: 1, kept: true });
    // an answer from the server's other port has no conntrack entry: the router drops it
    expect(json.changePortAnswered).toBe(false);
  });

  it('MASQUERADE --random-fully (a symmetric NAT): the mapping is destination-dependent', async () => {
    const { json } = await natCheck(symmetric, ['--stun', `${OUTSIDE_IP}:3478`]);
    expect(json.mapped.address).toBe(ROUTER_OUT_IP);
    expect(json.mappingBehaviour).toBe('destination-dependent');
  });

  it('routed, no NAT: the client\'s own address', async () => {
    const { json } = await natCheck(routed, ['--stun', `${OUTSIDE_IP}:3478`]);
    expect(json.mapped.address).toBe(INSIDE_IP);
    expect(json.natted).toBe(false);
    expect(json.changePortAnswered).toBe(true);
  });

  it.skipIf(noCoturn)('coturn as the server, with and without NAT; two servers as two destinations', async () => {
    const a = await natCheck(nat, ['--stun', `${OUTSIDE_IP}:3480`, '--stun', `${OUTSIDE_IP}:3478`]);
    expect(a.json.mapped.address).toBe(ROUTER_OUT_IP);
    expect(a.json.mappingBehaviour).toBe('endpoint-independent');
    const b = await natCheck(routed, ['--stun', `${OUTSIDE_IP}:3480`]);
    expect(b.json.mapped.address).toBe(INSIDE_IP);
  });

  it('no server answering: exit 7 (E_NETWORK)', async () => {
    const p = nat.lab.spawn(nat.inside, [process.execPath, BIN, 'nat-check', '--stun', `${OUTSIDE_IP}:3999`, '--timeout', '600'], { name: 'nat-check' });
    expect(await p.wait(30_000)).toBe(7);
    expect(p.stderr).toMatch(/no STUN answer from 198\.51\.100\.2:3999/);
  });
});
