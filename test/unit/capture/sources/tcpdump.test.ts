import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InterfaceDrops } from '../../../../src/capture/sources/interface.js';
import { parseTcpdumpStats, startTcpdumpCapture, TcpdumpStatsReader, tcpdumpArgs, type TcpdumpStats } from '../../../../src/capture/sources/tcpdump.js';
import { ROOT } from '../../../helpers/cli.js';

describe('interface capture (tcpdump)', () => {
  it('builds tcpdump\'s arguments: one interface, flushed pcap to stdout with ns timestamps, -B in KiB, the filter last', () => {
    expect(tcpdumpArgs({ interfaces: ['eth0'], filter: 'udp or tcp port 5060', snaplen: 1500, promiscuous: false, bufferMiB: 32 }))
      .toEqual(['-i', 'eth0', '-n', '-U', '--time-stamp-precision=nano', '-s', '1500', '-p', '-B', '32768', '-w', '-', 'udp or tcp port 5060']);
    expect(tcpdumpArgs({ interfaces: ['lo'] })).toEqual(['-i', 'lo', '-n', '-U', '--time-stamp-precision=nano', '-w', '-']);
    expect(() => tcpdumpArgs({ interfaces: ['eth0', 'eth1'] })).toThrow(/one interface, not 2/);
  });

  it('reads the counts tcpdump 4.99 prints on SIGUSR1 (one line) and when it stops (four lines)', () => {
    // as printed here by `tcpdump -i lo -U -w -` (SIGUSR1, then SIGTERM)
    const usr1 = 'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n' +
      'tcpdump: 1486 packets captured, 60400 packets received by filter, 57028 packets dropped by kernel\n';
    expect(parseTcpdumpStats(usr1)).toEqual({ captured: 1486, received: 60400, dropped: 57028, ifDropped: 0 });
    const exit = usr1 + '1500 packets captured\n60414 packets received by filter\n57028 packets dropped by kernel\n3 packets dropped by interface\n';
    expect(parseTcpdumpStats(exit)).toEqual({ captured: 1500, received: 60414, dropped: 57028, ifDropped: 3 });
    expect(parseTcpdumpStats('tcpdump: 1 packet captured, 1 packet received by filter, 0 packets dropped by kernel, 2 packets dropped by interface\n'))
      .toEqual({ captured: 1, received: 1, dropped: 0, ifDropped: 2 });
    expect(parseTcpdumpStats('tcpdump: vb0: No such device exists\n')).toBeNull();
  });

  it('takes only complete lines from stderr as it comes, and reports each new count once', () => {
    const seen: TcpdumpStats[] = [];
    const r = new TcpdumpStatsReader((s) => seen.push(s));
    const text = 'tcpdump: listening on eth0\ntcpdump: 10 packets captured, 12 packets received by filter, 2 packets dropped by kernel\n' +
      'tcpdump: 10 packets captured, 12 packets received by filter, 2 packets dropped by kernel\n' +
      'tcpdump: 20 packets captured, 25 packets received by filter, 5 packets dropped by kernel\n';
    // cut everywhere: a count split between two reads (e.g. "1" | "2 packets") is never taken as "1"
    for (let i = 0; i < text.length; i += 7) r.push(text.slice(i, i + 7));
    expect(seen).toEqual([
      { captured: 10, received: 12, dropped: 2, ifDropped: 0 },
      { captured: 20, received: 25, dropped: 5, ifDropped: 0 },
    ]);
    expect(r.last).toEqual({ captured: 20, received: 25, dropped: 5, ifDropped: 0 });
  });
});

describe('tcpdump as a child, asked for its counts (a stand-in tcpdump)', () => {
  it('asks every interval for as long as it runs, reports each count, and takes the final one on stop', async () => {
    const seen: InterfaceDrops[][] = [];
    const cap = startTcpdumpCapture({
      interfaces: ['eth7'], command: join(ROOT, 'test', 'helpers', 'fake-tcpdump.mjs'), statsIntervalMs: 10,
      onDrops: (d) => seen.push(d),
    });
    const chunks: Buffer[] = [];
    cap.stream.on('data', (b: Buffer) => chunks.push(b));
    // more counts than the 4 KiB of stderr kept can hold (about 100 bytes each): asking must go on
    const until = Date.now() + 20_000;
    while (seen.length < 80 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(seen.length).toBeGreaterThanOrEqual(80);
    const n = seen.length;
    expect(seen[n - 1]).toEqual([{ interface: 'eth7', received: 10 * n, dropped: n, ifDropped: 2 }]);
    expect(seen.map((d) => d[0]!.dropped)).toEqual(seen.map((_, i) => i + 1));
    const exit = await cap.stop();
    expect(exit.code).toBe(0);
    const last = exit.drops[0]!;
    expect(last.dropped).toBeGreaterThanOrEqual(n);
    expect(last).toEqual({ interface: 'eth7', received: 10 * last.dropped, dropped: last.dropped, ifDropped: 2 });
  }, 30_000);
});
