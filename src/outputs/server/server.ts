/**
 * The HTTP edge: `/metrics` (Prometheus text, or OpenMetrics when the scraper asks for it),
 * `/healthz`, and the JSON API (`/api/calls`, `/api/streams`, `/api/report`: the same fields as
 * `analyze --json`, so stream-level detail lives here instead of in high-cardinality labels).
 *
 * The server only reads: the registry (values computed on scrape) and whatever LiveView the
 * pipeline currently has. It never touches the analysis itself.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { VoipreadyError } from '../../errors.js';
import type { AnalysisReport } from '../../model/report.js';
import type { LiveView } from '../../pipeline/events.js';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from '../prometheus/exposition.js';
import { renderRegistry } from '../prometheus/prom-bridge.js';
import { authEnabled, challenge, checkAuthorization } from './auth.js';
import type { AuthConfig } from './auth.js';
import { formatAddress } from '../../config/options/listen.js';
import type { ListenAddress } from '../../config/options/listen.js';

export interface ServerOptions {
  registry: Registry;
  /** the live view to answer /api from; null before the analysis has started */
  view: () => LiveView | null;
  /** the final report once the input has ended (kept after the view stops changing) */
  report?: () => AnalysisReport | null;
  auth?: AuthConfig;
  /** more fields for /healthz (a live source's drops and last packet); status stays "ok" while serving */
  health?: () => Record<string, unknown>;
}

export interface RunningServer {
  app: FastifyInstance;
  /** "host:port" actually bound (port 0 resolves to the chosen port) */
  address: string;
  port: number;
  close(): Promise<void>;
}

export function buildServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  if (authEnabled(opts.auth) && opts.auth !== undefined) {
    const auth = opts.auth;
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.url === '/healthz') return;
      if (!checkAuthorization(req.headers.authorization, auth)) {
        await reply.code(401).header('www-authenticate', challenge(auth)).send({ error: 'unauthorized' });
      }
    });
  }

  app.get('/healthz', async () => ({ status: 'ok', ...(opts.health?.() ?? {}) }));

  app.get('/metrics', async (req, reply) => {
    if (wantsOpenMetrics(req.headers.accept)) {
      return reply.type(OPENMETRICS_CONTENT_TYPE).send(await renderRegistry(opts.registry, true));
    }
    return reply.type(PROMETHEUS_CONTENT_TYPE).send(await renderRegistry(opts.registry, false));
  });

  const current = (): AnalysisReport | null => opts.report?.() ?? opts.view()?.report() ?? null;
  /** ?hours=N: the report of the last N hours of a live run (the view cuts it); else the whole run */
  const select = (query: unknown, reply: FastifyReply): AnalysisReport | null | 'bad' => {
    const hours = (query as { hours?: string } | undefined)?.hours;
    if (hours === undefined) return current();
    const h = Number(hours);
    if (!Number.isFinite(h) || h <= 0) {
      void reply.code(400).send({ error: `hours must be a positive number ("${hours}")` });
      return 'bad';
    }
    const view = opts.report?.() == null ? opts.view() : null;
    if (view?.reportSince === undefined) return current();
    return view.reportSince(view.nowEpochMs() - h * 3600_000);
  };
  app.get('/api/streams', async (req, reply) => {
    const r = select(req.query, reply);
    return r === 'bad' ? reply : r?.streams ?? [];
  });
  app.get('/api/calls', async (req, reply) => {
    const r = select(req.query, reply);
    return r === 'bad' ? reply : r?.calls ?? [];
  });
  app.get('/api/report', async (req, reply) => {
    const r = select(req.query, reply);
    if (r === 'bad') return reply;
    if (r === null) return reply.code(503).send({ error: 'no analysis yet' });
    return r;
  });
  return app;
}

/** true when the Accept header prefers OpenMetrics (Prometheus sends it first when it can parse it) */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let best = { q: -1, om: false };
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().split(';').map((p) => p.trim());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const om = type === 'application/openmetrics-text';
    const known = om || type === 'text/plain' || type === '*/*';
    if (known && q > best.q) best = { q, om };
  }
  return best.om;
}

export async function startServer(opts: ServerOptions & { listen: ListenAddress }): Promise<RunningServer> {
  const app = buildServer(opts);
  try {
    await app.listen({ host: opts.listen.host, port: opts.listen.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw new VoipreadyError('E_LISTEN', `cannot listen on ${formatAddress(opts.listen)}: ${(err as Error).message}`);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.listen.port;
  return {
    app,
    port,
    address: formatAddress({ host: opts.listen.host, port }),
    close: () => app.close(),
  };
}
