/**
 * An in-test remote_write receiver: decodes each WriteRequest (snappy + protobuf) and records it.
 * It can answer with any status (500, 429, 401, 400 ...), hang without answering, or be down
 * (port closed, then listening again on the same port).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeWriteRequest, uncompressBody, type TimeSeries } from '../../src/outputs/remote-write/proto.js';

export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; body?: string; retryAfter?: string }
  | { kind: 'hang' };

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  series: TimeSeries[];
  status: number;
}

export interface FlatSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp: number;
}

export class FakeReceiver {
  mode: ReceiverMode = { kind: 'ok' };
  /** every request that reached the handler, accepted or not */
  readonly requests: ReceivedRequest[] = [];
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor() {
    this.server = this.makeServer();
  }

  static async start(): Promise<FakeReceiver> {
    const r = new FakeReceiver();
    await r.listen(0);
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/v1/write`;
  }

  /** samples of accepted requests, in arrival order */
  accepted(): FlatSample[] {
    const out: FlatSample[] = [];
    for (const req of this.requests) {
      if (req.status !== 204) continue;
      for (const ts of req.series) {
        const labels: Record<string, string> = {};
        for (const l of ts.labels) labels[l.name] = l.value;
        for (const s of ts.samples) out.push({ name: labels.__name__ ?? '', labels, value: s.value, timestamp: s.timestamp });
      }
    }
    return out;
  }

  /** close the port (connections refused) until up() */
  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async up(): Promise<void> {
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private makeServer(): Server {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const mode = this.mode;
        if (mode.kind === 'hang') return;
        let series: TimeSeries[] = [];
        let status = mode.kind === 'ok' ? 204 : mode.status;
        try {
          series = decodeWriteRequest(uncompressBody(Buffer.concat(chunks)));
        } catch {
          status = 400;
        }
        this.requests.push({ headers: req.headers, series, status });
        const headers: Record<string, string> = mode.kind === 'status' && mode.retryAfter !== undefined ? { 'retry-after': mode.retryAfter } : {};
        res.writeHead(status, headers);
        res.end(mode.kind === 'status' ? (mode.body ?? '') : undefined);
      });
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
