// Platform parsing and image-index platform selection (pure functions).
import { OciError } from '../error.js';
import type { Descriptor, ImageIndex, Platform } from './types.js';

export interface PlatformSelector {
  os?: string;
  architecture?: string;
  variant?: string;
}

const ARCH_ALIASES: Readonly<Record<string, string>> = {
  x64: 'amd64', x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', ia32: '386', i386: '386', i686: '386', ppc64: 'ppc64le',
};
const OS_ALIASES: Readonly<Record<string, string>> = { win32: 'windows', macos: 'darwin' };

function normArch(a: string): string {
  const l = a.toLowerCase();
  return ARCH_ALIASES[l] ?? l;
}
function normOs(o: string): string {
  const l = o.toLowerCase();
  return OS_ALIASES[l] ?? l;
}

/** The platform of this process in OCI names (`process.arch` x64 → amd64, win32 → windows, …). */
export function hostPlatform(): Platform {
  const architecture = normArch(process.arch);
  const p: Platform = { os: normOs(process.platform), architecture };
  if (architecture === 'arm64') p.variant = 'v8';
  if (architecture === 'arm') {
    const v = (process.config.variables as Record<string, unknown>)['arm_version'];
    if (typeof v === 'string' || typeof v === 'number') p.variant = `v${v}`;
  }
  return p;
}

/**
 * Parses the `arch=` option: `amd64`, `arm64/v8`, `linux/arm64`, `linux/arm64/v8`.
 * A bare architecture keeps the host OS. Throws OCI_INVALID_OPTIONS on anything else.
 */
export function parsePlatform(spec: string, host: Platform = hostPlatform()): PlatformSelector {
  const parts = spec.trim().split('/');
  const bad = (): never => {
    throw new OciError({ code: 'OCI_INVALID_OPTIONS', message: `invalid platform "${spec.slice(0, 100)}" (use amd64, arm64/v8 or linux/arm64/v8)`, details: { platform: spec.slice(0, 100) } });
  };
  if (parts.length > 3 || parts.some((p) => !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(p))) bad();
  const [a, b, c] = parts as [string, string?, string?];
  if (parts.length === 1) return { os: host.os, architecture: normArch(a) };
  if (parts.length === 2) {
    // `arm64/v8` (arch/variant) versus `linux/arm64` (os/arch): variants look like v<digits>.
    if (b !== undefined && /^v\d+$/i.test(b)) return { os: host.os, architecture: normArch(a), variant: b.toLowerCase() };
    return { os: normOs(a), architecture: normArch(b ?? '') };
  }
  return { os: normOs(a), architecture: normArch(b ?? ''), variant: (c ?? '').toLowerCase() };
}

function variantMatches(arch: string, wanted: string | undefined, actual: string | undefined): boolean {
  if (wanted === undefined) return true;
  const w = wanted.toLowerCase();
  const a = actual?.toLowerCase();
  // arm64 images usually omit the variant; v8 is implied.
  if (arch === 'arm64' && w === 'v8' && a === undefined) return true;
  return a === w;
}

function describe(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * Picks the manifest for a platform out of an image index (or Docker manifest list).
 * Defaults to the host platform. Throws OCI_PLATFORM_NOT_FOUND, listing what the index offers.
 */
export function selectPlatform(index: ImageIndex, selector: PlatformSelector = {}): Descriptor {
  const host = hostPlatform();
  const os = normOs(selector.os ?? host.os);
  const architecture = normArch(selector.architecture ?? host.architecture);
  const variant = selector.variant ?? (selector.architecture === undefined ? host.variant : undefined);
  const manifests = Array.isArray(index.manifests) ? index.manifests : [];
  const candidates = manifests.filter((d) => d.platform
    && normOs(d.platform.os) === os
    && normArch(d.platform.architecture) === architecture
    && variantMatches(architecture, variant, d.platform.variant));
  // Prefer an exact variant match over an implied one.
  const exact = candidates.find((d) => (d.platform?.variant ?? undefined) === variant);
  const chosen = exact ?? candidates[0];
  if (!chosen) {
    const available = manifests.filter((d) => d.platform && d.platform.os !== 'unknown').map((d) => describe(d.platform));
    throw new OciError({
      code: 'OCI_PLATFORM_NOT_FOUND',
      message: `no manifest for platform ${describe({ os, architecture, ...(variant ? { variant } : {}) })}; available: ${available.join(', ') || 'none'}`,
      details: { wanted: { os, architecture, variant }, available },
    });
  }
  return chosen;
}
