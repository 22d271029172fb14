import { isIPv4, isIPv6 } from 'node:net';
import { DEFAULT_DNS_PORT, DEFAULT_TARGET_PORT } from '../config/defaults.js';
import { ThickConfigError, ThickTargetError } from '../config/errors.js';

/** The part of a parsed URI the resolver needs; grpc-js's GrpcUri has this shape. */
export interface TargetUri {
  scheme?: string;
  authority?: string;
  path: string;
}

export interface HostAndPort {
  readonly host: string;
  readonly port: number;
}

export interface DnsPollTarget {
  /** The DNS name as written, without a trailing dot. */
  readonly name: string;
  /** A trailing dot was written: the name is fully qualified and the search list is not applied. */
  readonly absolute: boolean;
  readonly port: number;
  /** No port was written: 443, as for grpc's dns: scheme. */
  readonly defaultPort: boolean;
  /** Set when the name is an IP literal: no DNS query is made. */
  readonly literal?: HostAndPort;
  /** The DNS server from the authority; absent means the system's (/etc/resolv.conf). */
  readonly dnsServer?: HostAndPort;
}

export const SCHEME = 'dns-poll';

const URI = /^(?:([A-Za-z0-9+.-]+):)?(?:\/\/([^/]*)\/)?(.+)$/;
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;
const MAX_PORT = 65_535;

/** Parses a whole target string the way grpc-js does, then validates it as a dns-poll target. */
export function parseTargetString(target: string): DnsPollTarget {
  const m = URI.exec(target);
  if (!m)
    throw new ThickTargetError(target, `expected ${SCHEME}:///name:port or ${SCHEME}://dns-server/name:port`);
  const uri: TargetUri = { path: m[3]! };
  if (m[1] !== undefined) uri.scheme = m[1];
  if (m[2] !== undefined) uri.authority = m[2];
  return parseTarget(uri, target);
}

export function parseTarget(uri: TargetUri, original = renderUri(uri)): DnsPollTarget {
  const fail = (why: string): never => {
    throw new ThickTargetError(original, why);
  };
  if (uri.scheme !== undefined && uri.scheme !== SCHEME) fail(`the scheme must be "${SCHEME}"`);
  const dnsServer = uri.authority ? parseDnsServer(uri.authority, fail) : undefined;
  const path = uri.path;
  // grpc-js reads "dns-poll://echo:50051" (two slashes, no third) as a path of "//echo:50051".
  if (path.startsWith('//')) {
    const rest = path.replace(/^\/+/, '');
    if (rest === '') fail(`no name:port; expected ${SCHEME}:///name:port`);
    if (!rest.includes('/'))
      fail(
        `no name after "//${rest}"; did you mean ${SCHEME}:///${rest} (three slashes: the system's DNS server)?`,
      );
  }
  if (path.includes('/')) fail(`"${path}" contains "/"; expected name:port after the authority`);
  const { host, port, defaultPort } = splitHostPort(path, fail);
  if (isIPv4(host) || isIPv6(host)) {
    return Object.freeze({
      name: host,
      absolute: true,
      port,
      defaultPort,
      literal: { host, port },
      ...withServer(dnsServer),
    });
  }
  const absolute = host.endsWith('.');
  const name = absolute ? host.slice(0, -1) : host;
  checkDnsName(name, fail);
  return Object.freeze({ name, absolute, port, defaultPort, ...withServer(dnsServer) });
}

/**
 * A DNS server written as in a target's authority ("10.96.0.10", "10.96.0.10:53", "[fd00::10]:53"),
 * for tools that take it apart from a target (the CLI's --dns-server).
 */
export function parseDnsServerAddress(text: string): HostAndPort {
  return parseDnsServer(text, (why) => {
    throw new ThickConfigError(text, `invalid DNS server "${text}": ${why}`);
  });
}

function withServer(dnsServer: HostAndPort | undefined): { dnsServer?: HostAndPort } {
  return dnsServer ? { dnsServer } : {};
}

function parseDnsServer(authority: string, fail: (why: string) => never): HostAndPort {
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return fail(`DNS server "${authority}" has "[" without "]"`);
    host = authority.slice(1, end);
    const rest = authority.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':'))
      return fail(`unexpected "${rest}" after the DNS server address`);
    portText = rest === '' ? undefined : rest.slice(1);
    if (!isIPv6(host)) return fail(`DNS server "[${host}]" is not an IPv6 address`);
  } else {
    if (isIPv6(authority)) {
      return fail(`write the IPv6 DNS server in brackets: "[${authority}]" or "[${authority}]:53"`);
    }
    const colon = authority.lastIndexOf(':');
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
    if (!isIPv4(host)) {
      return fail(
        `DNS server "${host}" must be an IPv4 address or a bracketed IPv6 address (a DNS server cannot be looked up by name)`,
      );
    }
  }
  const port = portText === undefined ? DEFAULT_DNS_PORT : parsePort(portText, 'DNS server port', fail);
  return Object.freeze({ host, port });
}

function splitHostPort(path: string, fail: (why: string) => never): HostAndPort & { defaultPort: boolean } {
  if (path.startsWith('[')) {
    const end = path.indexOf(']');
    if (end < 0) return fail(`"${path}" has "[" without "]"`);
    const host = path.slice(1, end);
    if (!isIPv6(host)) return fail(`"[${host}]" is not an IPv6 address`);
    const rest = path.slice(end + 1);
    if (rest === '') return { host, port: DEFAULT_TARGET_PORT, defaultPort: true };
    if (!rest.startsWith(':')) return fail(`unexpected "${rest}" after "[${host}]"`);
    return { host, port: parsePort(rest.slice(1), 'port', fail), defaultPort: false };
  }
  if (isIPv6(path)) return fail(`write an IPv6 address in brackets with its port: "[${path}]:443"`);
  const colon = path.lastIndexOf(':');
  if (colon < 0) return { host: path, port: DEFAULT_TARGET_PORT, defaultPort: true };
  const host = path.slice(0, colon);
  if (host.includes(':'))
    return fail(`write an IPv6 address in brackets with its port: "[${host}]:${path.slice(colon + 1)}"`);
  if (host === '') return fail('the DNS name is empty');
  return { host, port: parsePort(path.slice(colon + 1), 'port', fail), defaultPort: false };
}

function parsePort(text: string, what: string, fail: (why: string) => never): number {
  if (!/^\d+$/.test(text)) return fail(`${what} "${text}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > MAX_PORT) return fail(`${what} ${port} is out of range 1-${MAX_PORT}`);
  return port;
}

function checkDnsName(name: string, fail: (why: string) => never): void {
  if (name === '') fail('the DNS name is empty');
  if (name.length > MAX_NAME_LENGTH)
    fail(`the DNS name is ${name.length} characters long (at most ${MAX_NAME_LENGTH})`);
  for (const label of name.split('.')) {
    if (label === '') fail(`the DNS name "${name}" has an empty label (two dots in a row, or a leading dot)`);
    if (label.length > MAX_LABEL_LENGTH) {
      fail(`the label "${label}" is ${label.length} characters long (at most ${MAX_LABEL_LENGTH})`);
    }
    if (!LABEL.test(label)) {
      fail(`the label "${label}" may only hold letters, digits, "-" and "_", and not start or end with "-"`);
    }
  }
}

function renderUri(uri: TargetUri): string {
  const scheme = uri.scheme ? `${uri.scheme}:` : '';
  const authority = uri.authority !== undefined ? `//${uri.authority}/` : '';
  return scheme + authority + uri.path;
}

/** "host:port" with IPv6 hosts bracketed, as gRPC writes addresses. */
export function formatHostPort({ host, port }: HostAndPort): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
