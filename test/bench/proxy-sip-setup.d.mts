/** Types of proxy-sip-setup.mjs (plain JavaScript so that the benchmark runs without a build), for the tests that use it. */
export declare const portsFor: (i: number, base: number) => [number, number];

export interface CallsThroughProxy {
  /** [call, caller_port, callee_port, relay_port_for_caller, relay_port_for_callee] per call */
  rows: number[][];
  lines: string;
  seconds: number;
  close(): Promise<void>;
}

export declare function setupCallsThroughProxy(o: {
  proxyPort: number;
  upstreamPort: number;
  n: number;
  genBase?: number;
  uacPort?: number;
  window?: number;
  timeoutMs?: number;
}): Promise<CallsThroughProxy>;
