import { describe, expect, it } from 'vitest';
import type { OciReference } from './command.types.js';
import { CommandError, type CommandErrorCode } from './error.js';
import { formatOciReference, parseOciReference } from './oci-reference.js';

const D256 = `sha256:${'0123456789abcdef'.repeat(4)}`;
const D512 = `sha512:${'0123456789abcdef'.repeat(8)}`;

function codeOf(input: unknown): CommandErrorCode | 'NO_ERROR' {
  try {
    parseOciReference(input as string);
    return 'NO_ERROR';
  } catch (e) {
    expect(e).toBeInstanceOf(CommandError);
    return (e as CommandError).code;
  }
}

describe('parseOciReference', () => {
  describe('when the reference is valid', () => {
    it.each<[string, Omit<OciReference, 'canonical'>, string]>([
      ['alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }, 'docker.io/library/alpine:latest'],
      ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }, 'docker.io/library/alpine:3.20'],
      ['org/repo', { registry: 'docker.io', repository: 'org/repo', tag: 'latest' }, 'docker.io/org/repo:latest'],
      ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }, 'docker.io/library/alpine:latest'],
      ['Docker.IO/alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }, 'docker.io/library/alpine:latest'],
      ['index.docker.io/org/x', { registry: 'docker.io', repository: 'org/x', tag: 'latest' }, 'docker.io/org/x:latest'],
      ['localhost/a', { registry: 'localhost', repository: 'a', tag: 'latest' }, 'localhost/a:latest'],
      ['localhost:5000/a/b:1', { registry: 'localhost:5000', repository: 'a/b', tag: '1' }, 'localhost:5000/a/b:1'],
      ['localhost:05000/a', { registry: 'localhost:5000', repository: 'a', tag: 'latest' }, 'localhost:5000/a:latest'],
      ['127.0.0.1:5000/a', { registry: '127.0.0.1:5000', repository: 'a', tag: 'latest' }, '127.0.0.1:5000/a:latest'],
      ['0x7f.1:5000/a', { registry: '127.0.0.1:5000', repository: 'a', tag: 'latest' }, '127.0.0.1:5000/a:latest'],
      ['[::1]:5000/a', { registry: '[::1]:5000', repository: 'a', tag: 'latest' }, '[::1]:5000/a:latest'],
      ['[0:0::1]/a', { registry: '[::1]', repository: 'a', tag: 'latest' }, '[::1]/a:latest'],
      ['MyRegistry/a', { registry: 'myregistry', repository: 'a', tag: 'latest' }, 'myregistry/a:latest'],
      ['reg.example/a/b/c/d', { registry: 'reg.example', repository: 'a/b/c/d', tag: 'latest' }, 'reg.example/a/b/c/d:latest'],
      ['r.io/a.b_c__d---e', { registry: 'r.io', repository: 'a.b_c__d---e', tag: 'latest' }, 'r.io/a.b_c__d---e:latest'],
      ['r.io/a:_T.a-g', { registry: 'r.io', repository: 'a', tag: '_T.a-g' }, 'r.io/a:_T.a-g'],
      [`r.io/a:${'t'.repeat(128)}`, { registry: 'r.io', repository: 'a', tag: 't'.repeat(128) }, `r.io/a:${'t'.repeat(128)}`],
      [`r.io/a@${D256}`, { registry: 'r.io', repository: 'a', digest: D256 }, `r.io/a@${D256}`],
      [`r.io/a@${D512}`, { registry: 'r.io', repository: 'a', digest: D512 }, `r.io/a@${D512}`],
      [`r.io/a:1@${D256}`, { registry: 'r.io', repository: 'a', tag: '1', digest: D256 }, `r.io/a:1@${D256}`],
      [`alpine@${D256}`, { registry: 'docker.io', repository: 'library/alpine', digest: D256 }, `docker.io/library/alpine@${D256}`],
    ])('parses %j', (input, expected, canonical) => {
      expect(parseOciReference(input)).toEqual({ ...expected, canonical });
    });
  });

  describe('when the reference is invalid', () => {
    it.each<[unknown, CommandErrorCode]>([
      [42, 'COMMAND_NOT_A_STRING'],
      [null, 'COMMAND_NOT_A_STRING'],
      ['a'.repeat(4097), 'COMMAND_TOO_LONG'],
      ['', 'COMMAND_INVALID_REFERENCE'],
      ['oci://ghcr.io/a', 'COMMAND_INVALID_REFERENCE'],
      [':tag', 'COMMAND_INVALID_REFERENCE'],
      [`@${D256}`, 'COMMAND_INVALID_REFERENCE'],
      [`a@${D256}@${D256}`, 'COMMAND_INVALID_REFERENCE'],
      ['ghcr.io', 'COMMAND_INVALID_REFERENCE'],
      ['ghcr.io:443', 'COMMAND_INVALID_REFERENCE'],
      ['localhost', 'COMMAND_INVALID_REFERENCE'],
      ['user:pass@ghcr.io/a', 'COMMAND_UNEXPECTED_USERINFO'],
      ['Alpine', 'COMMAND_INVALID_REPOSITORY'],
      ['r.io/A', 'COMMAND_INVALID_REPOSITORY'],
      ['r.io/a//b', 'COMMAND_INVALID_REPOSITORY'],
      ['r.io/a/', 'COMMAND_INVALID_REPOSITORY'],
      ['/a', 'COMMAND_INVALID_REPOSITORY'],
      ['r.io/-a', 'COMMAND_INVALID_REPOSITORY'],
      ['r.io/a..b', 'COMMAND_INVALID_REPOSITORY'],
      ['r.io/a___b', 'COMMAND_INVALID_REPOSITORY'],
      ['r.io/a_', 'COMMAND_INVALID_REPOSITORY'],
      ['r.io/a+b', 'COMMAND_INVALID_REPOSITORY'],
      [`r.io/${'a'.repeat(251)}`, 'COMMAND_INVALID_REPOSITORY'],
      [`${'a'.repeat(246)}`, 'COMMAND_INVALID_REPOSITORY'],
      ['r.io/a:', 'COMMAND_INVALID_TAG'],
      ['r.io/a:.x', 'COMMAND_INVALID_TAG'],
      ['r.io/a:-x', 'COMMAND_INVALID_TAG'],
      ['r.io/a:x+y', 'COMMAND_INVALID_TAG'],
      [`r.io/a:${'t'.repeat(129)}`, 'COMMAND_INVALID_TAG'],
      ['r.io/a@', 'COMMAND_INVALID_DIGEST'],
      ['r.io/a@sha256', 'COMMAND_INVALID_DIGEST'],
      ['r.io/a@sha256:', 'COMMAND_INVALID_DIGEST'],
      ['r.io/a@SHA256:' + 'a'.repeat(64), 'COMMAND_INVALID_DIGEST'],
      ['r.io/a@sha256:' + 'a'.repeat(63), 'COMMAND_INVALID_DIGEST'],
      ['r.io/a@sha256:' + 'A'.repeat(64), 'COMMAND_INVALID_DIGEST'],
      ['r.io/a@sha256:' + 'g'.repeat(64), 'COMMAND_INVALID_DIGEST'],
      ['r.io/a@sha512:' + 'a'.repeat(64), 'COMMAND_INVALID_DIGEST'],
      ['r.io/a@sha256:a.b', 'COMMAND_INVALID_DIGEST'],
      ['r.io/a@md5:' + 'a'.repeat(32), 'COMMAND_UNSUPPORTED_DIGEST'],
      ['r.io/a@blake3:' + 'a'.repeat(64), 'COMMAND_UNSUPPORTED_DIGEST'],
      ['r.io:0/a', 'COMMAND_INVALID_REGISTRY'],
      ['r.io:99999/a', 'COMMAND_INVALID_REGISTRY'],
      ['r.io:/a', 'COMMAND_INVALID_REGISTRY'],
      [':5000/a', 'COMMAND_INVALID_REGISTRY'],
      ['-r.io/a', 'COMMAND_INVALID_REGISTRY'],
      ['r_x.io/a', 'COMMAND_INVALID_REGISTRY'],
      ['999.1.1.1/a', 'COMMAND_INVALID_REGISTRY'],
      ['[::g]:5000/a', 'COMMAND_INVALID_REGISTRY'],
      ['[::1/a', 'COMMAND_INVALID_REGISTRY'],
    ])('rejects %j with %s', (input, code) => {
      expect(codeOf(input)).toBe(code);
    });

    it('explains the problem', () => {
      const msg = (s: string) => {
        try {
          parseOciReference(s);
        } catch (e) {
          return (e as Error).message;
        }
        return '';
      };
      expect(msg('r.io/A')).toContain('lowercase');
      expect(msg('r.io/a//b')).toContain('empty path component');
      expect(msg('r.io/a:')).toContain('is empty');
      expect(msg(`r.io/a:${'t'.repeat(129)}`)).toContain('longer than 128');
      expect(msg('r.io/a@sha256:' + 'A'.repeat(64))).toContain('capitals');
      expect(msg('localhost:5000')).toContain('"localhost:5000/<repository>:<tag>"');
      expect(msg('bob:hunter2@r.io/a')).not.toContain('hunter2');
    });
  });
});

describe('formatOciReference', () => {
  it.each([
    [{ registry: 'r.io', repository: 'a' }, 'r.io/a'],
    [{ registry: 'r.io', repository: 'a', tag: '1' }, 'r.io/a:1'],
    [{ registry: 'r.io', repository: 'a', digest: D256 }, `r.io/a@${D256}`],
    [{ registry: 'r.io', repository: 'a', tag: '1', digest: D256 }, `r.io/a:1@${D256}`],
  ])('formats %j as %s', (ref, s) => {
    expect(formatOciReference(ref)).toBe(s);
  });
});
