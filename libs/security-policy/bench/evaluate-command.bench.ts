// `npm run bench -- security-policy`: evaluateCommand throughput for grpc:// decisions (fixed resolver, no real DNS),
// plus the address classifier alone. Numbers only; no targets are asserted here.
import type { PluginCommand } from '@plugway/command';
import { classifyIp, createPolicy, evaluateCommand, parseIp, type Resolver } from '@plugway/security-policy';

const resolve: Resolver = async (host) => (host === 'two.example' ? [{ address: '93.184.216.34', family: 4 }, { address: '2606:4700::1111', family: 6 }] : [{ address: '93.184.216.34', family: 4 }]);
const grpc = (host: string): PluginCommand => ({ scheme: 'grpc', raw: '', host, port: 443, hostKind: 'name' });
const policy = createPolicy({ allowlist: ['grpc://10.0.0.0/8', 'grpc://*.internal.example', 'grpc://public.example.com', 'grpc://two.example', 'grpc://[2606:4700::]/32', 'grpc://93.184.216.0/24'] });
const CASES: Array<[string, PluginCommand]> = [
  ['public name, 1 address', grpc('public.example.com')],
  ['public name, 2 addresses', grpc('two.example')],
  ['internal literal (allowlisted)', grpc('10.1.2.3')],
  ['loopback, hex spelling (denied)', grpc('0x7f000001')],
  ['IPv4-mapped IPv6 (denied)', grpc('::ffff:7f00:1')],
];
const N = 50_000;
for (const [label, cmd] of CASES) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await evaluateCommand(cmd, policy, { resolve });
  const ns = Number(process.hrtime.bigint() - start) / N;
  console.log(`${(1e9 / ns).toFixed(0).padStart(9)} ops/s  ${ns.toFixed(0).padStart(6)} ns/op  evaluateCommand: ${label}`);
}
const ips = ['10.0.0.1', '93.184.216.34', '::ffff:127.0.0.1', '2606:4700::1111', '64:ff9b::a00:1'].map((s) => parseIp(s)!);
const start = process.hrtime.bigint();
for (let i = 0; i < 200_000; i++) classifyIp(ips[i % ips.length]!);
const ns = Number(process.hrtime.bigint() - start) / 200_000;
console.log(`${(1e9 / ns).toFixed(0).padStart(9)} ops/s  ${ns.toFixed(0).padStart(6)} ns/op  classifyIp`);
