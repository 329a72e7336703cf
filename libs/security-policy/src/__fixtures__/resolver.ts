// A fixed-answer resolver: the injectable DNS dependency of evaluateCommand, not a mock of any library.
import type { Decision, Resolver } from '../index.js';

export const DNS: Record<string, string[]> = {
  'public.example.com': ['93.184.216.34'],
  'dual.example.com': ['2606:4700::1111', '93.184.216.34'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
  'v6.example.com': ['2606:4700::1111'],
  'internal.corp': ['10.9.8.7'],
  'rebind.example.com': ['169.254.169.254'],
  'v6meta.example.com': ['fd00:ec2::254'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'weird.example.com': ['not-an-ip'],
  'empty.example.com': [],
  'api.internal.example': ['10.1.1.1'],
  'metadata.google.internal': ['93.184.216.35'],
  'reg.example.com': ['93.184.216.36'],
  'ghcr.io': ['140.82.112.34'],
  'quay.io': ['3.3.3.3'],
  'docker.io': ['44.44.44.44'],
  'registry.corp': ['10.20.30.40'],
  'meta-registry.example': ['169.254.169.254'],
};

export const resolve: Resolver = async (host) => {
  const a = DNS[host];
  if (!a) throw new Error(`ENOTFOUND ${host}`);
  return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

export const codes = (d: Decision): string[] => (d.allowed ? d.warnings : d.violations).map((f) => f.code);
export const warningCodes = (d: Decision): string[] => d.warnings.map((f) => f.code);
