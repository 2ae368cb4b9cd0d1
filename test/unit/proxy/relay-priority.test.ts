/**
 * The native relay's forwarding thread asks for the scheduling it was told to (realtime by default,
 * because under load a packet's wait for a core is the proxy's added latency) and reports what it
 * got. Checked against the kernel's own view of the thread: /proc/self/task/TID/stat (policy and
 * nice), found by the thread's name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeRelay, loadRelayAddon } from '../../../src/proxy/media/native-relay.js';
import type { RelayPriority } from '../../../src/proxy/media/relay.js';

const addon = loadRelayAddon();
const SCHED_OTHER = 0;
const SCHED_FIFO = 1;

interface ThreadSched {
  tid: number;
  policy: number;
  nice: number;
}

/** the relay threads of this process, with their policy and nice value as the kernel says */
function relayThreads(): ThreadSched[] {
  const out: ThreadSched[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    let comm: string;
    let stat: string;
    try {
      comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // a thread that ended meanwhile
    }
    if (comm !== 'vr-rtp-relay') continue;
    // the fields after the command name's closing parenthesis: state is field 3, nice 19, policy 41
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.push({ tid: Number(tid), nice: Number(f[19 - 3]), policy: Number(f[41 - 3]) });
  }
  return out;
}

/** CAP_SYS_NICE (bit 23) in this process's effective set: what raising a thread's priority needs */
function canRaise(): boolean {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('CapEff:'));
  return line !== undefined && (BigInt(`0x${line.slice(7).trim()}`) & (1n << 23n)) !== 0n;
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
};

const open: NativeRelay[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

function start(priority: RelayPriority | undefined): { relay: NativeRelay; before: Set<number> } {
  const before = new Set(relayThreads().map((t) => t.tid));
  const base = 42000 + Math.floor(Math.random() * 2000) * 2;
  const relay = new NativeRelay(addon!, { bindAddress: '127.0.0.1', portMin: base, portMax: base + 3, dscp: null, learnMs: 3000, onPackets: () => undefined, ...(priority ? { priority } : {}) });
  open.push(relay);
  return { relay, before };
}

async function started(relay: NativeRelay, before: Set<number>): Promise<{ got: string; thread: ThreadSched }> {
  await until(() => relay.counters().thread !== 'starting');
  const mine = relayThreads().filter((t) => !before.has(t.tid));
  expect(mine).toHaveLength(1);
  return { got: relay.counters().thread, thread: mine[0]! };
}

describe.skipIf(addon === null)('native relay thread priority', () => {
  it('normal stays at the default policy and nice 0', async () => {
    const { relay, before } = start('normal');
    const { got, thread } = await started(relay, before);
    expect(got).toBe('normal');
    expect(thread.policy).toBe(SCHED_OTHER);
    expect(thread.nice).toBe(0);
  });

  it('the default asks for realtime; what it reports is what the kernel shows', async () => {
    const { relay, before } = start(undefined);
    const { got, thread } = await started(relay, before);
    // without CAP_SYS_NICE the thread falls back: then the report says so, never claims realtime
    expect(['realtime', 'high', 'normal']).toContain(got);
    if (got === 'realtime') expect(thread.policy).toBe(SCHED_FIFO);
    if (got === 'high') expect([thread.policy, thread.nice]).toEqual([SCHED_OTHER, -10]);
    if (got === 'normal') expect([thread.policy, thread.nice]).toEqual([SCHED_OTHER, 0]);
    // realtime can still be refused with the capability (no RT budget for the cgroup): nice -10 cannot
    if (canRaise()) expect(got).not.toBe('normal');
  });

  it('high is nice -10 and never realtime', async () => {
    const { relay, before } = start('high');
    const { got, thread } = await started(relay, before);
    expect(thread.policy).toBe(SCHED_OTHER);
    expect(got === 'high' ? thread.nice : 0).toBe(got === 'high' ? -10 : 0);
    if (canRaise()) expect(got).toBe('high');
  });
});
