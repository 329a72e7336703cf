import type { OciReference } from './command.types.js';
import { fail, quote } from './error.js';
import { parsePort } from './grpc-command.js';
import { parseHost, parseIpv6 } from './host.js';

/** Registry used when a reference names none (docker's rule). */
export const DEFAULT_REGISTRY = 'docker.io';
/** Longest `registry/repository` accepted (docker's NameTotalLengthMax), measured on the canonical form. */
export const MAX_NAME_LENGTH = 255;

const REPO_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_RE = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*$/;
const TAG_RE = /^\w[\w.-]{0,127}$/;
const ALGORITHM_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
const ENCODED_RE = /^[a-zA-Z0-9=_-]+$/;
const REGISTERED_DIGESTS: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };
const EXAMPLE = 'registry.example.com/team/plugin:1.0.0';

// Docker's rule: the first of several components is a registry when it has "." or ":", is "localhost", or has capitals.
function looksLikeRegistry(component: string): boolean {
  return /[.:]/.test(component) || component === 'localhost' || component !== component.toLowerCase();
}

/**
 * Parse an OCI reference without a scheme (`[registry[:port]/]repository[:tag][@algorithm:hex]`) per the
 * distribution spec and docker's normalisation: no registry → `docker.io`; `docker.io/x` → `docker.io/library/x`;
 * `index.docker.io` → `docker.io`; neither tag nor digest → tag `latest`.
 * @throws CommandError COMMAND_INVALID_REFERENCE, _REGISTRY, _REPOSITORY, _TAG, _DIGEST, _UNSUPPORTED_DIGEST,
 *   _UNEXPECTED_USERINFO, _NOT_A_STRING, _TOO_LONG.
 */
export function parseOciReference(s: string): OciReference {
  if (typeof s !== 'string') fail('COMMAND_NOT_A_STRING', `An OCI reference must be a string, not ${s === null ? 'null' : typeof s}.`);
  if (s.length > 4096) fail('COMMAND_TOO_LONG', `The reference is ${s.length} characters long; at most 4096 are allowed.`);
  if (s.includes('://')) fail('COMMAND_INVALID_REFERENCE', `An OCI reference has no scheme: drop the "…://" prefix, e.g. ${EXAMPLE}.`);
  const at = s.indexOf('@');
  // A digest never contains "/", so an "@" followed by a "/" is userinfo (user:password@registry/…): never echoed.
  if (at !== -1 && s.includes('/', at)) {
    fail('COMMAND_UNEXPECTED_USERINFO', 'An OCI reference cannot carry user information ("user:password@"): configure registry credentials and name them with ?auth=<name>.');
  }
  if (at !== -1 && s.includes('@', at + 1)) fail('COMMAND_INVALID_REFERENCE', `${quote(s)} has more than one "@"; write repository[:tag]@sha256:<hex>.`);
  const nameAndTag = at === -1 ? s : s.slice(0, at);
  const digest = at === -1 ? undefined : parseDigest(s.slice(at + 1));
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  let tag = hasTag ? parseTag(nameAndTag.slice(colon + 1)) : undefined;
  if (name === '') fail('COMMAND_INVALID_REFERENCE', `${quote(s)} names no repository: write e.g. ${EXAMPLE}.`);

  const parts = name.split('/');
  let registry = DEFAULT_REGISTRY;
  if (parts.length > 1 && looksLikeRegistry(parts[0]!)) {
    registry = parseRegistry(parts.shift()!);
  } else if (parts.length === 1 && (name.includes('.') || name === 'localhost')) {
    fail('COMMAND_INVALID_REFERENCE', `${quote(name)} looks like a registry host but no repository follows: write ${quote(`${name}${hasTag ? `:${tag}` : ''}/<repository>:<tag>`)}.`);
  }
  for (const part of parts) {
    if (!REPO_COMPONENT_RE.test(part)) {
      const why = part === '' ? 'has an empty path component ("//" or a leading or trailing "/")'
        : /[A-Z]/.test(part) ? `must be lowercase (${quote(part)})`
        : `has an invalid component ${quote(part)}: use lowercase letters and digits separated by ".", "_", "__" or "-"`;
      fail('COMMAND_INVALID_REPOSITORY', `The repository ${quote(parts.join('/'))} ${why}.`);
    }
  }
  if (registry === 'index.docker.io') registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    fail('COMMAND_INVALID_REPOSITORY', `The name ${quote(`${registry}/${repository}`)} is longer than ${MAX_NAME_LENGTH} characters.`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  const parsed = { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
  return { ...parsed, canonical: formatOciReference(parsed) };
}

/** Format a reference as `registry/repository[:tag][@digest]` (the canonical form; no validation). */
export function formatOciReference(ref: Pick<OciReference, 'registry' | 'repository' | 'tag' | 'digest'>): string {
  return `${ref.registry}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

function parseRegistry(text: string): string {
  let hostText = text;
  let port = '';
  const close = text.lastIndexOf(']');
  const colon = text.lastIndexOf(':');
  if (colon > close) {
    hostText = text.slice(0, colon);
    port = `:${parsePort(text.slice(colon + 1), 'COMMAND_INVALID_REGISTRY')}`;
  }
  if (hostText.startsWith('[') && hostText.endsWith(']')) return `[${parseIpv6(hostText.slice(1, -1), 'COMMAND_INVALID_REGISTRY')}]${port}`;
  if (!DOMAIN_RE.test(hostText)) {
    fail('COMMAND_INVALID_REGISTRY', `${quote(text)} is not a valid registry: write host[:port], e.g. registry.example.com or localhost:5000.`);
  }
  return `${parseHost(hostText, 'COMMAND_INVALID_REGISTRY').host}${port}`;
}

function parseTag(tag: string): string {
  if (!TAG_RE.test(tag)) {
    const why = tag === '' ? 'is empty' : tag.length > 128 ? 'is longer than 128 characters' : 'has characters other than letters, digits, "_", "." and "-" (and cannot start with "." or "-")';
    fail('COMMAND_INVALID_TAG', `The tag ${quote(tag)} ${why}; write e.g. :1.0.0 or :latest.`);
  }
  return tag;
}

function parseDigest(digest: string): string {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon === -1 ? 0 : colon);
  const encoded = digest.slice(colon + 1);
  if (colon === -1 || !ALGORITHM_RE.test(algorithm) || !ENCODED_RE.test(encoded)) {
    fail('COMMAND_INVALID_DIGEST', `The digest ${quote(digest)} is not algorithm:hex; write @sha256:<64 lowercase hex digits>.`);
  }
  const length = REGISTERED_DIGESTS[algorithm];
  if (length === undefined) {
    fail('COMMAND_UNSUPPORTED_DIGEST', `The digest algorithm ${quote(algorithm)} is not supported; use sha256 (or sha512).`, { algorithm });
  }
  if (encoded.length !== length || !/^[a-f0-9]+$/.test(encoded)) {
    fail('COMMAND_INVALID_DIGEST', `A ${algorithm} digest is exactly ${length} lowercase hex digits; got ${encoded.length} characters${/[A-F]/.test(encoded) ? ' with capitals' : ''}.`);
  }
  return digest;
}
