import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandToString } from './command-to-string.js';
import { CommandError } from './error.js';
import { formatOciReference, parseOciReference } from './oci-reference.js';
import { parseCommand } from './parse-command.js';

const RUNS = { numRuns: 2000 };

function onlyCommandErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    expect(e.code).toMatch(/^COMMAND_[A-Z_]+$/);
  }
}

// URL-ish text: scheme prefixes plus characters that matter to the parsers.
const urlChar = fc.constantFrom(...'abcxyzAZ0179-._~:/?#[]@!$&\'()*+,;=% \u0000\n\t\u00e9\u202e'.split(''), '%00', '%zz', '%2F', '%E2%82%AC', '0x', '::', '..');
const urlish = fc
  .tuple(fc.constantFrom('', 'file://', 'grpc://', 'oci://', 'FILE://', 'file:', 'grpc:', 'oci:', 'http://', 'x://', '/', './'), fc.array(urlChar, { maxLength: 40 }))
  .map(([scheme, parts]) => scheme + parts.join(''));

describe('parseCommand (properties)', () => {
  it('throws only CommandError for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => onlyCommandErrors(() => parseCommand(s))), RUNS);
  });
  it('throws only CommandError for URL-like strings', () => {
    fc.assert(fc.property(urlish, (s) => onlyCommandErrors(() => parseCommand(s))), RUNS);
  });
  it('throws only CommandError for web URLs with the scheme swapped', () => {
    const swapped = fc.tuple(fc.constantFrom('file', 'grpc', 'oci'), fc.webUrl({ withQueryParameters: true, withFragments: true, validSchemes: ['https'] }))
      .map(([scheme, url]) => url.replace(/^https/, scheme));
    fc.assert(fc.property(swapped, (s) => onlyCommandErrors(() => parseCommand(s))), RUNS);
  });
  it('throws only CommandError for non-strings', () => {
    fc.assert(fc.property(fc.anything(), (v) => onlyCommandErrors(() => parseCommand(v as string))), { numRuns: 300 });
  });
  it('round-trips every accepted command through commandToString', () => {
    fc.assert(
      fc.property(urlish, (s) => {
        let cmd;
        try {
          cmd = parseCommand(s);
        } catch {
          return;
        }
        expect({ ...parseCommand(commandToString(cmd)), raw: cmd.raw }).toEqual(cmd);
      }),
      RUNS,
    );
  });
});

// Generators that only produce valid references (docker grammar), so every case must round-trip.
const alnum = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 1, maxLength: 8 });
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const component = fc.tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 })).map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const domainLabel = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), minLength: 1, maxLength: 8 });
const registry = fc.oneof(
  fc.tuple(domainLabel, domainLabel).map(([a, b]) => `${a}.${b}`),
  fc.constant('localhost'),
  fc.tuple(fc.constantFrom('localhost', 'reg.example', '127.0.0.1', '[::1]'), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
);
const tag = fc.tuple(
  fc.constantFrom(...'aZ09_'.split('')),
  fc.string({ unit: fc.constantFrom(...'aZ09_.-'.split('')), maxLength: 20 }),
).map(([a, b]) => a + b);
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: n, maxLength: n });
const digest = fc.oneof(hex(64).map((h) => `sha256:${h}`), hex(128).map((h) => `sha512:${h}`));
const reference = fc
  .record({
    registry: fc.option(registry, { nil: undefined }),
    path: fc.array(component, { minLength: 1, maxLength: 4 }),
    tag: fc.option(tag, { nil: undefined }),
    digest: fc.option(digest, { nil: undefined }),
  })
  // Without a registry, a first component with "." would be taken for a registry (docker's rule), so keep it dot-free.
  .filter(({ registry: r, path }) => r !== undefined || !path[0]!.includes('.'))
  .map(({ registry: r, path, tag: t, digest: d }) => `${r ? `${r}/` : ''}${path.join('/')}${t ? `:${t}` : ''}${d ? `@${d}` : ''}`);

describe('parseOciReference (properties)', () => {
  it('formatting then re-parsing a valid reference gives the same reference', () => {
    fc.assert(
      fc.property(reference, (s) => {
        const ref = parseOciReference(s);
        expect(ref.canonical).toBe(formatOciReference(ref));
        expect(parseOciReference(ref.canonical)).toEqual(ref);
        const cmd = parseCommand(`oci://${s}`);
        expect(cmd.scheme === 'oci' && cmd.reference).toEqual(ref);
      }),
      RUNS,
    );
  });
  it('throws only CommandError for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 120 }), (s) => onlyCommandErrors(() => parseOciReference(s))), RUNS);
  });
});
