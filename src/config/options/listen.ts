/**
 * `--listen host:port` parsing, and the address's text for messages and URLs. Loopback by default:
 * the metrics and the stream details are not for the whole network unless someone says so.
 */
import { isIP } from 'node:net';
import { VoipreadyError } from '../../errors.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 9464;

export interface ListenAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:80", "localhost:9464", ":9464" and "9464" (loopback) */
/** `option` names the option in the message (default --listen) */
export function parseListen(text: string, option = '--listen'): ListenAddress {
  const t = text.trim();
  let host = DEFAULT_HOST;
  let portText = t;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(t);
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    portText = bracketed[2] ?? '';
    if (isIP(host) !== 6) throw usage(option, text, `"${host}" is not an IPv6 address`);
  } else if (t.includes(':')) {
    const colon = t.lastIndexOf(':');
    if (t.indexOf(':') !== colon) throw usage(option, text, 'write IPv6 addresses in brackets, e.g. [::1]:9464');
    host = colon === 0 ? DEFAULT_HOST : t.slice(0, colon);
    portText = t.slice(colon + 1);
    if (isIP(host) === 0 && !/^[a-zA-Z0-9.-]{1,253}$/.test(host)) throw usage(option, text, `"${host}" is not a host name or address`);
  }
  if (!/^\d{1,5}$/.test(portText)) throw usage(option, text, `"${portText}" is not a port number`);
  const port = Number(portText);
  if (port > 65535) throw usage(option, text, `port ${port} is above 65535`);
  return { host, port };
}

function usage(option: string, text: string, why: string): VoipreadyError {
  return new VoipreadyError('E_USAGE', `${option} "${text}": ${why}`);
}

/** "host:port" for messages and URLs, IPv6 in brackets */
export function formatAddress(a: ListenAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
