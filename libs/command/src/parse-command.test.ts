import { describe, expect, it } from 'vitest';
import { CommandError, type CommandErrorCode } from './error.js';
import { MAX_COMMAND_LENGTH, parseCommand } from './parse-command.js';

const HEX64 = 'a'.repeat(64);

function codeOf(input: unknown): CommandErrorCode | 'NO_ERROR' {
  try {
    parseCommand(input as string);
    return 'NO_ERROR';
  } catch (e) {
    expect(e).toBeInstanceOf(CommandError);
    return (e as CommandError).code;
  }
}

function messageOf(input: string): string {
  try {
    parseCommand(input);
  } catch (e) {
    return (e as CommandError).message;
  }
  throw new Error(`accepted ${input}`);
}

describe('parseCommand', () => {
  describe('file://', () => {
    it.each([
      ['file:///usr/local/bin/plugin', '/usr/local/bin/plugin'],
      ['FILE:///opt/p', '/opt/p'],
      ['file://localhost/opt/p', '/opt/p'],
      ['file://LOCALHOST/opt/p', '/opt/p'],
      ['file:///opt/my%20plugin', '/opt/my plugin'],
      ['file:///opt/%E2%82%AC', '/opt/€'],
      ['file:///opt/€', '/opt/€'],
      ['file:///opt/a%3Fb%23c', '/opt/a?b#c'],
      ['file:///opt/../etc/p', '/opt/../etc/p'],
      ['file:////double', '//double'],
      ['  file:///trimmed  ', '/trimmed'],
    ])('accepts %j as path %j', (input, path) => {
      expect(parseCommand(input)).toEqual({ scheme: 'file', raw: input, path });
    });

    it.each<[string, CommandErrorCode]>([
      ['file://./x', 'COMMAND_RELATIVE_PATH'],
      ['file://../x', 'COMMAND_RELATIVE_PATH'],
      ['file://.', 'COMMAND_RELATIVE_PATH'],
      ['file://~/x', 'COMMAND_RELATIVE_PATH'],
      ['file://x', 'COMMAND_RELATIVE_PATH'],
      ['file://plugin.bin', 'COMMAND_RELATIVE_PATH'],
      ['file://', 'COMMAND_MISSING_PATH'],
      ['file://host/x', 'COMMAND_INVALID_PATH'],
      ['file://usr/bin/x', 'COMMAND_INVALID_PATH'],
      ['file://localhost:80/x', 'COMMAND_INVALID_PATH'],
      ['file:///a%00b', 'COMMAND_INVALID_PATH'],
      ['file:///a%0Ab', 'COMMAND_INVALID_PATH'],
      ['file:///a%7f', 'COMMAND_INVALID_PATH'],
      ['file:///a%zz', 'COMMAND_INVALID_PATH'],
      ['file:///a%', 'COMMAND_INVALID_PATH'],
      ['file:///a%4', 'COMMAND_INVALID_PATH'],
      ['file:///a%ff', 'COMMAND_INVALID_PATH'],
      ['file:///', 'COMMAND_INVALID_PATH'],
      ['file:///opt/plugins/', 'COMMAND_INVALID_PATH'],
      ['file://user@/x', 'COMMAND_UNEXPECTED_USERINFO'],
      ['file://u:secret@host/x', 'COMMAND_UNEXPECTED_USERINFO'],
      ['file:///x?y=1', 'COMMAND_UNEXPECTED_QUERY'],
      ['file:///x#frag', 'COMMAND_UNEXPECTED_FRAGMENT'],
      ['file:/usr/bin/x', 'COMMAND_MALFORMED'],
      ['file:usr/bin/x', 'COMMAND_MALFORMED'],
    ])('rejects %j with %s', (input, code) => {
      expect(codeOf(input)).toBe(code);
    });

    it('names the NUL character and suggests three slashes', () => {
      expect(messageOf('file:///a%00')).toContain('NUL');
      expect(messageOf('file:///a%01')).toContain('U+0001');
      expect(messageOf('file://./x')).toContain('file:///');
      expect(messageOf('file://usr/bin/x')).toContain('"file:///usr/bin/x"');
    });
  });

  describe('grpc://', () => {
    it.each<[string, string, number, 'ipv4' | 'ipv6' | 'name']>([
      ['grpc://plugins.internal:50051', 'plugins.internal', 50051, 'name'],
      ['grpc://Plugins.Example.COM.:443', 'plugins.example.com', 443, 'name'],
      ['grpc://my_service:1', 'my_service', 1, 'name'],
      ['grpc://localhost:65535', 'localhost', 65535, 'name'],
      ['grpc://localhost:50051/', 'localhost', 50051, 'name'],
      ['GRPC://host:0080', 'host', 80, 'name'],
      ['grpc://10.0.0.1:50051', '10.0.0.1', 50051, 'ipv4'],
      ['grpc://127.0.0.1.:80', '127.0.0.1', 80, 'ipv4'],
      ['grpc://2130706433:80', '127.0.0.1', 80, 'ipv4'],
      ['grpc://0x7f.1:80', '127.0.0.1', 80, 'ipv4'],
      ['grpc://0X7F.0.0.1:80', '127.0.0.1', 80, 'ipv4'],
      ['grpc://0177.0.0.1:80', '127.0.0.1', 80, 'ipv4'],
      ['grpc://127.1:80', '127.0.0.1', 80, 'ipv4'],
      ['grpc://10.1.65535:80', '10.1.255.255', 80, 'ipv4'],
      ['grpc://169.254.169.254:80', '169.254.169.254', 80, 'ipv4'],
      ['grpc://0:80', '0.0.0.0', 80, 'ipv4'],
      ['grpc://0x:80', '0.0.0.0', 80, 'ipv4'],
      ['grpc://00:80', '0.0.0.0', 80, 'ipv4'],
      ['grpc://[::1]:50051', '::1', 50051, 'ipv6'],
      ['grpc://[0:0:0:0:0:0:0:1]:1', '::1', 1, 'ipv6'],
      ['grpc://[FE80::1]:1', 'fe80::1', 1, 'ipv6'],
      ['grpc://[::ffff:127.0.0.1]:1', '::ffff:7f00:1', 1, 'ipv6'],
    ])('accepts %j as %s port %i (%s)', (input, host, port, hostKind) => {
      expect(parseCommand(input)).toEqual({ scheme: 'grpc', raw: input, host, port, hostKind });
    });

    it.each<[string, CommandErrorCode]>([
      ['grpc://', 'COMMAND_MISSING_HOST'],
      ['grpc://:50051', 'COMMAND_MISSING_HOST'],
      ['grpc:///x', 'COMMAND_UNEXPECTED_PATH'],
      ['grpc://host', 'COMMAND_MISSING_PORT'],
      ['grpc://host:', 'COMMAND_MISSING_PORT'],
      ['grpc://[::1]', 'COMMAND_MISSING_PORT'],
      ['grpc://[::1]:', 'COMMAND_MISSING_PORT'],
      ['grpc://host:0', 'COMMAND_INVALID_PORT'],
      ['grpc://host:65536', 'COMMAND_INVALID_PORT'],
      ['grpc://host:123456', 'COMMAND_INVALID_PORT'],
      ['grpc://host:http', 'COMMAND_INVALID_PORT'],
      ['grpc://host:-1', 'COMMAND_INVALID_PORT'],
      ['grpc://host:1/svc', 'COMMAND_UNEXPECTED_PATH'],
      ['grpc://host:1//', 'COMMAND_UNEXPECTED_PATH'],
      ['grpc://user:pw@host:1', 'COMMAND_UNEXPECTED_USERINFO'],
      ['grpc://host:1?x=1', 'COMMAND_UNEXPECTED_QUERY'],
      ['grpc://host:1#x', 'COMMAND_UNEXPECTED_FRAGMENT'],
      ['grpc://::1:50051', 'COMMAND_MISSING_HOST'],
      ['grpc://fe80::1:80', 'COMMAND_INVALID_HOST'],
      ['grpc://[::1:80', 'COMMAND_INVALID_HOST'],
      ['grpc://[::1]x:80', 'COMMAND_INVALID_HOST'],
      ['grpc://[::g]:80', 'COMMAND_INVALID_HOST'],
      ['grpc://[fe80::1%25eth0]:80', 'COMMAND_INVALID_HOST'],
      ['grpc://[]:80', 'COMMAND_INVALID_HOST'],
      ['grpc://exämple.com:80', 'COMMAND_INVALID_HOST'],
      ['grpc://-bad.example:80', 'COMMAND_INVALID_HOST'],
      ['grpc://bad-.example:80', 'COMMAND_INVALID_HOST'],
      ['grpc://a..b:80', 'COMMAND_INVALID_HOST'],
      ['grpc://.:80', 'COMMAND_INVALID_HOST'],
      ['grpc://a%2eb:80', 'COMMAND_INVALID_HOST'],
      [`grpc://${'a'.repeat(64)}.example:80`, 'COMMAND_INVALID_HOST'],
      [`grpc://${Array(64).fill('abc').join('.')}:80`, 'COMMAND_INVALID_HOST'],
      ['grpc://256.0.0.1:80', 'COMMAND_INVALID_HOST'],
      ['grpc://1.2.3.4.5:80', 'COMMAND_INVALID_HOST'],
      ['grpc://1.2.3.256:80', 'COMMAND_INVALID_HOST'],
      ['grpc://4294967296:80', 'COMMAND_INVALID_HOST'],
      ['grpc://08.0.0.1:80', 'COMMAND_INVALID_HOST'],
      ['grpc://0x1g.1:80', 'COMMAND_INVALID_HOST'],
      ['grpc://a.1:80', 'COMMAND_INVALID_HOST'],
      ['grpc://1..1:80', 'COMMAND_INVALID_HOST'],
      ['grpc:host:1', 'COMMAND_MALFORMED'],
    ])('rejects %j with %s', (input, code) => {
      expect(codeOf(input)).toBe(code);
    });

    it('never echoes userinfo', () => {
      expect(messageOf('grpc://user:hunter2@host:1')).not.toContain('hunter2');
    });
  });

  describe('oci://', () => {
    it.each([
      ['oci://localhost:5000/a/b:1', 'localhost:5000', 'a/b', '1', undefined],
      ['oci://ghcr.io/org/team/plugin:v1.2.3', 'ghcr.io', 'org/team/plugin', 'v1.2.3', undefined],
      ['oci://alpine', 'docker.io', 'library/alpine', 'latest', undefined],
      ['oci://user/repo', 'docker.io', 'user/repo', 'latest', undefined],
      ['oci://docker.io/alpine:3', 'docker.io', 'library/alpine', '3', undefined],
      ['oci://index.docker.io/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
      ['oci://reg.example/x@sha256:' + HEX64, 'reg.example', 'x', undefined, 'sha256:' + HEX64],
      ['oci://reg.example/x:1@sha256:' + HEX64, 'reg.example', 'x', '1', 'sha256:' + HEX64],
    ])('accepts %j', (input, registry, repository, tag, digest) => {
      const cmd = parseCommand(input);
      expect(cmd.scheme).toBe('oci');
      if (cmd.scheme !== 'oci') return;
      expect(cmd.reference).toMatchObject({ registry, repository });
      expect(cmd.reference.tag).toBe(tag);
      expect(cmd.reference.digest).toBe(digest);
      expect(cmd.options).toEqual({});
      expect(cmd.raw).toBe(input);
    });

    it.each([
      ['?pubkey=1', { pubkey: '1' }],
      ['?pubkey=release-key_2', { pubkey: 'release-key_2' }],
      ['?pubkey=env:RELEASE_KEY', { pubkey: 'env:RELEASE_KEY' }],
      ['?pubkey=/etc/keys/release.pub', { pubkey: '/etc/keys/release.pub' }],
      ['?arch=amd64', { arch: 'amd64' }],
      ['?arch=linux/arm64', { arch: 'linux/arm64' }],
      ['?arch=linux/arm64/v8', { arch: 'linux/arm64/v8' }],
      ['?arch=Linux%2FAMD64', { arch: 'linux/amd64' }],
      ['?arch=linux/x86_64', { arch: 'linux/x86_64' }],
      ['?auth=ghcr', { auth: 'ghcr' }],
      ['?pubkey=1&arch=amd64&auth=corp', { pubkey: '1', arch: 'amd64', auth: 'corp' }],
      ['?', {}],
      ['?&pubkey=1&', { pubkey: '1' }],
    ])('accepts options %j', (query, options) => {
      const cmd = parseCommand(`oci://ghcr.io/a/b:1${query}`);
      expect(cmd.scheme === 'oci' && cmd.options).toEqual(options);
    });

    it.each<[string, CommandErrorCode]>([
      ['oci://', 'COMMAND_INVALID_REFERENCE'],
      ['oci://?pubkey=1', 'COMMAND_INVALID_REFERENCE'],
      ['oci://ghcr.io', 'COMMAND_INVALID_REFERENCE'],
      ['oci://localhost:5000', 'COMMAND_INVALID_REFERENCE'],
      ['oci://ghcr.io/a#x', 'COMMAND_UNEXPECTED_FRAGMENT'],
      ['oci://u:secret@ghcr.io/a', 'COMMAND_UNEXPECTED_USERINFO'],
      ['oci://ghcr.io/a?foo=1', 'COMMAND_UNKNOWN_OPTION'],
      ['oci://ghcr.io/a?PUBKEY=1', 'COMMAND_UNKNOWN_OPTION'],
      ['oci://ghcr.io/a?%zz=1', 'COMMAND_UNKNOWN_OPTION'],
      ['oci://ghcr.io/a?pubkey=1&pubkey=2', 'COMMAND_DUPLICATE_OPTION'],
      ['oci://ghcr.io/a?pubkey', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?pubkey=', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?pubkey=env:1X', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?pubkey=/etc/../x.pub', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?pubkey=relative/x.pub', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?pubkey=%zz', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?pubkey=a.b', 'COMMAND_INVALID_OPTION'],
      [`oci://ghcr.io/a?pubkey=${'k'.repeat(65)}`, 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?auth=user:pass', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?arch=linux/arm64/v8/extra', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?arch=-amd64', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/a?arch=linux//arm64', 'COMMAND_INVALID_OPTION'],
      ['oci://ghcr.io/A', 'COMMAND_INVALID_REPOSITORY'],
      ['oci://ghcr.io/a:', 'COMMAND_INVALID_TAG'],
      ['oci://ghcr.io/a@sha256:abc', 'COMMAND_INVALID_DIGEST'],
      ['oci://ghcr.io/a@md5:' + 'a'.repeat(32), 'COMMAND_UNSUPPORTED_DIGEST'],
      ['oci:ghcr.io/a', 'COMMAND_MALFORMED'],
    ])('rejects %j with %s', (input, code) => {
      expect(codeOf(input)).toBe(code);
    });

    it('never echoes credentials or auth/pubkey values', () => {
      expect(messageOf('oci://bob:hunter2@ghcr.io/a')).not.toContain('hunter2');
      expect(messageOf('oci://ghcr.io/a?auth=bob:hunter2')).not.toContain('hunter2');
      expect(messageOf('oci://ghcr.io/a?pubkey=hunter2!')).not.toContain('hunter2');
      expect(messageOf('oci://ghcr.io/a?PUBKEY=1')).toContain('did you mean pubkey?');
    });
  });

  describe('input as a whole', () => {
    it.each<[unknown, CommandErrorCode]>([
      [undefined, 'COMMAND_NOT_A_STRING'],
      [null, 'COMMAND_NOT_A_STRING'],
      [42, 'COMMAND_NOT_A_STRING'],
      ['', 'COMMAND_EMPTY'],
      ['   \t\n', 'COMMAND_EMPTY'],
      ['x'.repeat(MAX_COMMAND_LENGTH + 1), 'COMMAND_TOO_LONG'],
      ['file:///a b', 'COMMAND_INVALID_CHARACTER'],
      ['file:///a\u0000b', 'COMMAND_INVALID_CHARACTER'],
      ['grpc://host\n:1', 'COMMAND_INVALID_CHARACTER'],
      ['oci://ghcr.io/a\u202eb', 'COMMAND_INVALID_CHARACTER'],
      ['file:///a\u200bb', 'COMMAND_INVALID_CHARACTER'],
      ['file:///a\u007fb', 'COMMAND_INVALID_CHARACTER'],
      ['/usr/bin/x', 'COMMAND_MISSING_SCHEME'],
      ['./x', 'COMMAND_MISSING_SCHEME'],
      ['../x', 'COMMAND_MISSING_SCHEME'],
      ['~/x', 'COMMAND_MISSING_SCHEME'],
      ['plugin', 'COMMAND_MISSING_SCHEME'],
      ['localhost:50051', 'COMMAND_MISSING_SCHEME'],
      ['10.0.0.1:50051', 'COMMAND_MISSING_SCHEME'],
      ['ghcr.io/a/b:1', 'COMMAND_MISSING_SCHEME'],
      ['C:\\plugins\\x.exe', 'COMMAND_MISSING_SCHEME'],
      ['user:pw@host:1', 'COMMAND_MISSING_SCHEME'],
      ['://x', 'COMMAND_MISSING_SCHEME'],
      ['http://host:1', 'COMMAND_UNKNOWN_SCHEME'],
      ['https://host/x', 'COMMAND_UNKNOWN_SCHEME'],
      ['docker://alpine', 'COMMAND_UNKNOWN_SCHEME'],
      ['ftp://x', 'COMMAND_UNKNOWN_SCHEME'],
    ])('rejects %j with %s', (input, code) => {
      expect(codeOf(input)).toBe(code);
    });

    it.each([
      ['/usr/bin/x', '"file:///usr/bin/x"'],
      ['./x', 'file:///absolute/path/to/plugin'],
      ['localhost:50051', '"grpc://localhost:50051"'],
      ['ghcr.io/a/b:1', '"oci://ghcr.io/a/b:1"'],
      ['http://h:1', 'grpc://host:port'],
      ['docker://alpine', 'oci://registry/repository:tag'],
      ['ftp://x', 'Supported schemes are file://, grpc:// and oci://'],
      ['file:///a b', '%20'],
      ['grpc:h:1', 'grpc://host:port'],
      ['oci:x', 'oci://registry/repository:tag'],
    ])('for %j the message says what to write: %s', (input, hint) => {
      expect(messageOf(input)).toContain(hint);
    });

    it('does not echo input that may hold userinfo', () => {
      expect(messageOf('/u:pw@x')).not.toContain('pw');
      expect(messageOf('u:pw@x:1')).not.toContain('pw');
      expect(messageOf('u:pw@x/a')).not.toContain('pw');
    });

    it('keeps raw exactly as given and accepts the longest allowed input', () => {
      const long = `file:///${'a'.repeat(MAX_COMMAND_LENGTH - 8)}`;
      expect(parseCommand(long)).toMatchObject({ scheme: 'file', raw: long });
    });
  });
});
