// Test setup: makes sure Debian's chromium is installed (apt when missing); answers a reason when it cannot be.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function ensureChromium(): { ok: true; path: string } | { ok: false; reason: string } {
  if (existsSync(CHROMIUM)) return { ok: true, path: CHROMIUM };
  try {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: 900_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    return { ok: false, reason: `apt-get install chromium failed: ${(e as Error).message.split('\n')[0]}` };
  }
  return existsSync(CHROMIUM) ? { ok: true, path: CHROMIUM } : { ok: false, reason: `${CHROMIUM} still missing after apt-get install` };
}
