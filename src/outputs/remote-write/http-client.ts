/**
 * One remote_write target: POSTs a compressed WriteRequest and classifies the answer the way the
 * remote_write 1.0 spec asks: 2xx done; 5xx, 429 and network errors retried; other 4xx not retried.
 * Credentials (basic auth, bearer token from the config, a file or an environment variable) go
 * into headers only, never into a message or a log line. Custom CA, skipping verification, an
 * HTTP(S) proxy and a whole-request timeout come from the target's settings.
 */
import { readFileSync } from 'node:fs';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { VoipreadyError } from '../../errors.js';
import type { RemoteWriteTarget } from '../../config/settings.js';
import { retryAfterMs } from './backoff.js';

export type PostResult =
  | { ok: true; status: number }
  | { ok: false; retry: boolean; status: number | null; message: string; tooOld: boolean; retryAfterMs: number | null };

export interface Poster {
  /** the URL without user info, for logs and the `target` label */
  readonly name: string;
  post(body: Uint8Array, signal?: AbortSignal): Promise<PostResult>;
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export function createPoster(target: RemoteWriteTarget, userAgent: string, env: NodeJS.ProcessEnv = process.env): Poster {
  const url = parseUrl(target.url);
  const name = redactUrl(url);
  const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dispatcher = makeDispatcher(target, name, timeoutMs);
  const fixed = staticHeaders(target, url, userAgent, name, env);
  const requestUrl = new URL(url.href);
  requestUrl.username = '';
  requestUrl.password = '';
  return {
    name,
    async post(body, signal) {
      const headers = { ...fixed, ...authHeader(target, name, env) };
      const timeout = AbortSignal.timeout(timeoutMs);
      const both = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
      try {
        const res = await request(requestUrl, { method: 'POST', headers, body, dispatcher, signal: both });
        const text = await readSome(res.body);
        return classify(res.statusCode, text, String(res.headers['retry-after'] ?? ''));
      } catch (err) {
        return networkFailure(err, timeout.aborted, timeoutMs);
      }
    },
    close: () => dispatcher.close(),
  };
}

/** https://user:secret@host/path -> https://host/path */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.search = copy.search === '' ? '' : '?…';
  return copy.href;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new VoipreadyError('E_USAGE', `remote_write URL "${text.replace(/\/\/[^@/]*@/, '//…@')}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VoipreadyError('E_USAGE', `remote_write URL must be http:// or https://, not ${url.protocol}`);
  }
  return url;
}

function makeDispatcher(t: RemoteWriteTarget, name: string, timeoutMs: number): Dispatcher {
  const tls: { ca?: Buffer; rejectUnauthorized?: boolean } = {};
  if (t.caFile !== undefined) tls.ca = readSecretFile(t.caFile, 'caFile', name);
  if (t.insecureSkipVerify === true) tls.rejectUnauthorized = false;
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 10_000) };
  if (t.proxyUrl !== undefined) {
    return new ProxyAgent({ uri: t.proxyUrl, requestTls: tls, ...timeouts });
  }
  return new Agent({ connect: { ...tls, timeout: timeouts.connectTimeout }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
}

/** the headers remote_write 1.0 requires, plus configured extras and basic auth from the URL */
function staticHeaders(t: RemoteWriteTarget, url: URL, userAgent: string, name: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const h: Record<string, string> = {
    ...(t.headers ?? {}),
    'content-encoding': 'snappy',
    'content-type': 'application/x-protobuf',
    'x-prometheus-remote-write-version': '0.1.0',
    'user-agent': userAgent,
  };
  // check the credentials' sources now, so a missing file or variable is a start-up error
  authHeader(t, name, env);
  if (url.username !== '' && t.username === undefined) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    h.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  return h;
}

/** read on every request, so a rotated token file is picked up without a restart */
function authHeader(t: RemoteWriteTarget, name: string, env: NodeJS.ProcessEnv): Record<string, string> {
  if (t.username !== undefined) {
    const password = t.password ?? (t.passwordFile !== undefined ? readSecretFile(t.passwordFile, 'passwordFile', name).toString('utf8').trim() : '');
    return { authorization: `Basic ${Buffer.from(`${t.username}:${password}`).toString('base64')}` };
  }
  let token = t.bearerToken;
  if (token === undefined && t.bearerTokenFile !== undefined) token = readSecretFile(t.bearerTokenFile, 'bearerTokenFile', name).toString('utf8').trim();
  if (token === undefined && t.bearerTokenEnv !== undefined) {
    token = env[t.bearerTokenEnv];
    if (token === undefined || token === '') {
      throw new VoipreadyError('E_CONFIG', `remote_write ${name}: environment variable ${t.bearerTokenEnv} (bearer token) is not set`);
    }
  }
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

function readSecretFile(path: string, what: string, name: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new VoipreadyError('E_CONFIG', `remote_write ${name}: cannot read ${what} (${code})`, { file: path });
  }
}

async function readSome(body: Dispatcher.ResponseData['body']): Promise<string> {
  const text = await body.text();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Prometheus answers 400 "out of bounds" / "too old" for samples before its head block */
const TOO_OLD_RE = /out of bounds|too old|outside of the allowed|sample timestamp out/i;

export function classify(status: number, body: string, retryAfter: string): PostResult {
  if (status >= 200 && status < 300) return { ok: true, status };
  const text = body.trim().replace(/\s+/g, ' ');
  const retry = status >= 500 || status === 429;
  const message = `HTTP ${status}${text === '' ? '' : `: ${text}`}`;
  return { ok: false, retry, status, message, tooOld: status === 400 && TOO_OLD_RE.test(text), retryAfterMs: retryAfterMs(retryAfter, Date.now()) };
}

const TLS_CODES = /CERT|SELF_SIGNED|TLS|SSL|UNABLE_TO_VERIFY|ALTNAME/i;

function networkFailure(err: unknown, timedOut: boolean, timeoutMs: number): PostResult {
  const e = err as { code?: string; message?: string; name?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  let message: string;
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    message = `no answer within ${timeoutMs / 1000} s (receiver hangs or is overloaded)`;
  } else if (e.name === 'AbortError') {
    message = 'push aborted (shutting down)';
  } else if (TLS_CODES.test(code)) {
    message = `TLS failure: ${code} (check caFile, the certificate's host name, or insecureSkipVerify)`;
  } else if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_SOCKET') {
    message = `cannot reach the receiver: ${code}`;
  } else {
    message = `network error: ${code !== '' ? `${code} ` : ''}${e.message ?? String(err)}`;
  }
  return { ok: false, retry: true, status: null, message, tooOld: false, retryAfterMs: null };
}
