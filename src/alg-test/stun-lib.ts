/**
 * The typed corner of @msimerson/stun (CommonJS, no type declarations) that voipready uses:
 * binding requests and responses, XOR-MAPPED-ADDRESS, and the RFC 5780 attributes
 * CHANGE-REQUEST, OTHER-ADDRESS and RESPONSE-ORIGIN.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:dgram';

export interface StunAddress { address: string; port: number; family: string }
export interface StunMessage {
  transactionId: Buffer;
  addXorAddress(ip: string, port: number): unknown;
  addAttribute(type: number, ...value: unknown[]): unknown;
  addSoftware(s: string): unknown;
  getAttribute(type: number): { value: unknown } | undefined;
  getXorAddress(): StunAddress | undefined;
  getAddress(): StunAddress | undefined;
  toBuffer(): Buffer;
}
export interface StunServerHandle {
  on(event: string, cb: (msg: StunMessage, rinfo: { address: string; port: number }) => void): void;
  /** a datagram that is not STUN: the library emits 'error' (unhandled, it would end the process) */
  on(event: 'error', cb: (err: Error) => void): void;
  send(msg: StunMessage, port: number, address: string, cb?: () => void): void;
  close(): void;
}
interface StunLib {
  createMessage(type: number, transaction?: Buffer): StunMessage;
  createServer(o: { type: 'udp4' | 'udp6'; socket?: Socket }): StunServerHandle;
  request(url: string, o: { server?: StunServerHandle; message?: StunMessage; timeout?: number; retries?: number; maxTimeout?: number }): Promise<StunMessage>;
  decode(buf: Buffer): StunMessage;
  constants: Record<string, number>;
}

export const stun = createRequire(import.meta.url)('@msimerson/stun') as StunLib;
export const C = {
  BINDING_REQUEST: stun.constants.STUN_BINDING_REQUEST!,
  BINDING_RESPONSE: stun.constants.STUN_BINDING_RESPONSE!,
  CHANGE_REQUEST: stun.constants.STUN_ATTR_CHANGE_REQUEST!,
  OTHER_ADDRESS: stun.constants.STUN_ATTR_OTHER_ADDRESS!,
  RESPONSE_ORIGIN: stun.constants.STUN_ATTR_RESPONSE_ORIGIN!,
  EVENT_BINDING_REQUEST: stun.constants.STUN_EVENT_BINDING_REQUEST as unknown as string,
};
/** RFC 5780 7.2: CHANGE-REQUEST flags */
export const CHANGE_PORT = 0x2;
export const CHANGE_IP = 0x4;
