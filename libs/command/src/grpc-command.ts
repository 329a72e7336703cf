import type { GrpcCommand } from './command.types.js';
import { fail, quote } from './error.js';
import { rejectQueryAndFragment } from './file-command.js';
import { parseHost, parseIpv6, type ParsedHost } from './host.js';

/** Parse a TCP port: decimal 1–65535. */
export function parsePort(s: string, code: 'COMMAND_INVALID_PORT' | 'COMMAND_INVALID_REGISTRY'): number {
  const n = /^\d{1,5}$/.test(s) ? Number(s) : 0;
  if (n < 1 || n > 65535) fail(code, `The port ${quote(s)} is not a number from 1 to 65535.`, { port: s.slice(0, 16) });
  return n;
}

/** Parse what follows `grpc://`: `host:port` or `[ipv6]:port`; a single trailing "/" is tolerated. */
export function parseGrpcCommand(rest: string, raw: string): GrpcCommand {
  rejectQueryAndFragment(rest, 'grpc');
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  if (authority.includes('@')) {
    fail('COMMAND_UNEXPECTED_USERINFO', 'A grpc:// command cannot carry user information ("…@"): write grpc://host:port and configure credentials separately.');
  }
  if (slash !== -1 && slash !== rest.length - 1) {
    fail('COMMAND_UNEXPECTED_PATH', `A grpc:// command has no path: write ${quote(`grpc://${authority}`)}.`);
  }
  if (authority === '' || authority.startsWith(':')) {
    fail('COMMAND_MISSING_HOST', 'The grpc:// command names no host: write grpc://host:port, e.g. grpc://plugins.internal:50051 (IPv6 in brackets: grpc://[::1]:50051).');
  }
  let parsed: ParsedHost;
  let after: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) fail('COMMAND_INVALID_HOST', `${quote(authority)} opens "[" but never closes it: write grpc://[::1]:50051.`);
    parsed = { host: parseIpv6(authority.slice(1, close)), hostKind: 'ipv6' };
    after = authority.slice(close + 1);
  } else {
    const colon = authority.indexOf(':');
    const hostText = colon === -1 ? authority : authority.slice(0, colon);
    after = colon === -1 ? '' : authority.slice(colon);
    if (after.indexOf(':', 1) !== -1) {
      fail('COMMAND_INVALID_HOST', `${quote(authority)} has more than one ":"; write an IPv6 address in brackets, e.g. grpc://[::1]:50051.`);
    }
    parsed = parseHost(hostText);
  }
  if (after === '' || after === ':') {
    fail('COMMAND_MISSING_PORT', `The grpc:// command needs a port: write ${quote(`grpc://${authority.replace(/:$/, '')}:<port>`)}, e.g. :50051.`);
  }
  if (!after.startsWith(':')) fail('COMMAND_INVALID_HOST', `Expected ":port" after ${quote(authority.slice(0, authority.length - after.length))}.`);
  const port = parsePort(after.slice(1), 'COMMAND_INVALID_PORT');
  return { scheme: 'grpc', raw, host: parsed.host, port, hostKind: parsed.hostKind };
}
