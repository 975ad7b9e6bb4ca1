/** The parts of the `sip` package (kirm/sip.js, RFC 3261 transport and transaction layers) that Starling uses. */
declare module "sip" {
  export interface SipUri {
    schema: string;
    user?: string;
    password?: string;
    host: string;
    port?: number;
    params: Record<string, string | null | undefined>;
    headers: Record<string, string>;
  }
  export interface NameAddr {
    name?: string;
    uri: string;
    params: Record<string, string | null | undefined>;
  }
  export interface Via {
    version?: string;
    protocol?: string;
    host?: string;
    port?: number;
    params: Record<string, string | number | null | undefined>;
  }
  export interface SipHeaders {
    to: NameAddr;
    from: NameAddr;
    "call-id": string;
    cseq: { seq: number; method: string };
    via: Via[];
    contact?: NameAddr[];
    "content-type"?: string;
    "content-length"?: number;
    "www-authenticate"?: unknown[];
    "proxy-authenticate"?: unknown[];
    authorization?: unknown[];
    "proxy-authorization"?: unknown[];
    [name: string]: unknown;
  }
  export interface SipRequest {
    method: string;
    uri: string;
    version?: string;
    headers: SipHeaders;
    content?: string;
  }
  export interface SipResponse {
    status: number;
    reason: string;
    version?: string;
    headers: SipHeaders;
    content?: string;
  }
  export type SipMessage = SipRequest | SipResponse;
  export interface Remote {
    protocol: string;
    address: string;
    port: number;
  }
  export interface StackOptions {
    port?: number;
    address?: string;
    publicAddress?: string;
    hostname?: string;
    udp?: boolean;
    tcp?: boolean;
    logger?: {
      send?(m: SipMessage, target: unknown): void;
      recv?(m: SipMessage, remote: Remote): void;
      error?(e: unknown): void;
    };
  }
  export interface Stack {
    send(message: SipMessage, callback?: (response: SipResponse) => void): void;
    destroy(): void;
    hostname(): string;
  }
  export function create(
    options: StackOptions,
    onRequest: (request: SipRequest, remote: Remote) => void,
  ): Stack;
  export function makeResponse(request: SipRequest, status: number, reason?: string): SipResponse;
  export function parseUri(uri: string): SipUri;
  export function stringifyUri(uri: SipUri): string;
  export function generateBranch(): string;
  export function parse(data: string): SipMessage | undefined;
  export function stringify(message: SipMessage): string;
  const sip: {
    create: typeof create;
    makeResponse: typeof makeResponse;
    parseUri: typeof parseUri;
    stringifyUri: typeof stringifyUri;
    generateBranch: typeof generateBranch;
    parse: typeof parse;
    stringify: typeof stringify;
  };
  export default sip;
}

declare module "sip/digest.js" {
  import type { SipRequest, SipResponse } from "sip";
  export interface DigestSession {
    realm?: string;
    [key: string]: unknown;
  }
  export interface DigestCredentials {
    user: string;
    password?: string;
    hash?: string;
    realm?: string;
  }
  export function signRequest(
    session: DigestSession,
    request: SipRequest,
    response?: SipResponse,
    credentials?: DigestCredentials,
  ): unknown;
  export function challenge(session: DigestSession, response: SipResponse): SipResponse;
  export function authenticateRequest(
    session: DigestSession,
    request: SipRequest,
    credentials?: DigestCredentials,
  ): boolean;
  const digest: {
    signRequest: typeof signRequest;
    challenge: typeof challenge;
    authenticateRequest: typeof authenticateRequest;
  };
  export default digest;
}
