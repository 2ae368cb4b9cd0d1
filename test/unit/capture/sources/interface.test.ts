import { describe, expect, it } from 'vitest';
import { dumpcapArgs, parseDumpcapStats } from '../../../../src/capture/sources/interface.js';
import { captureConfigFrom, captureToolFor } from '../../../../src/config/options/capture.js';

describe('interface capture (dumpcap)', () => {
  it('builds dumpcap\'s arguments: interfaces, filter, snap length, promiscuous, buffer, pcapng to stdout', () => {
    expect(dumpcapArgs({ interfaces: ['eth0', 'eth1'], filter: 'udp or tcp port 5060', snaplen: 1500, promiscuous: false, bufferMiB: 64 }))
      .toEqual(['-i', 'eth0', '-i', 'eth1', '-f', 'udp or tcp port 5060', '-s', '1500', '-p', '-B', '64', '-n', '-q', '-w', '-']);
    expect(dumpcapArgs({ interfaces: ['lo'] })).toEqual(['-i', 'lo', '-n', '-q', '-w', '-']);
  });

  it('reads the per-interface counts dumpcap prints when it stops', () => {
    const stderr = "Capturing on 'Loopback: lo'\nFile: -\nPackets captured: 10\n" +
      "Packets received/dropped on interface 'Loopback: lo': 10/3 (pcap:3/dumpcap:0/flushed:0/ps_ifdrop:2) (76.9%)\n" +
      "Packets received/dropped on interface 'eth0': 5/0 (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0) (100.0%)\n";
    expect(parseDumpcapStats(stderr)).toEqual([
      { interface: 'Loopback: lo', received: 10, dropped: 3, ifDropped: 2 },
      { interface: 'eth0', received: 5, dropped: 0, ifDropped: 0 },
    ]);
    expect(parseDumpcapStats('dumpcap: There are no interfaces on which a capture can be done')).toEqual([]);
  });

  it('checks the capture options', () => {
    expect(captureConfigFrom({})).toBeNull();
    expect(captureConfigFrom({ interface: ['eth0'], promiscuous: false, snaplen: '200' })).toEqual({ interfaces: ['eth0'], promiscuous: false, snaplen: 200, bufferMiB: 32 });
    expect(captureConfigFrom({ interface: ['eth0'], bufferSize: '8' })?.bufferMiB).toBe(8);
    expect(() => captureConfigFrom({ interface: ['eth0'], snaplen: '10' })).toThrow(/--snaplen "10"/);
    expect(() => captureConfigFrom({ filter: 'udp' })).toThrow(/--filter needs --interface/);
    expect(() => captureConfigFrom({ captureTool: 'tcpdump' })).toThrow(/--capture-tool needs --interface/);
  });

  it('picks the capture tool: as given, else tcpdump (one per interface: live drops), dumpcap when one is named', () => {
    const one = captureConfigFrom({ interface: ['eth0'] })!;
    const two = captureConfigFrom({ interface: ['eth0', 'eth1'] })!;
    expect(captureToolFor(one, false)).toBe('tcpdump');
    expect(captureToolFor(two, false)).toBe('tcpdump');
    expect(captureToolFor(two, true)).toBe('dumpcap');
    expect(captureToolFor(one, true)).toBe('dumpcap');
    expect(captureToolFor(captureConfigFrom({ interface: ['eth0'], captureTool: 'dumpcap' })!, false)).toBe('dumpcap');
    expect(captureToolFor(captureConfigFrom({ interface: ['eth0'], captureTool: 'tcpdump' })!, true)).toBe('tcpdump');
    expect(captureToolFor(captureConfigFrom({ interface: ['eth0', 'eth1'], captureTool: 'dumpcap' })!, false)).toBe('dumpcap');
    expect(() => captureConfigFrom({ interface: ['eth0'], captureTool: 'tshark' })).toThrow(/--capture-tool "tshark" must be one of tcpdump, dumpcap/);
  });
});
