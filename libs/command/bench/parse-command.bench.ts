// `npm run bench -- command`: parseCommand throughput on representative inputs (accepted and rejected).
import { parseCommand } from '@plugway/command';

const INPUTS = [
  'file:///usr/local/bin/my-plugin',
  'grpc://plugins.internal.example.com:50051',
  'grpc://[fd00::1]:50051',
  'grpc://0x7f.1:80',
  `oci://ghcr.io/acme/team/auth-plugin:1.2.0@sha256:${'ab'.repeat(32)}?pubkey=release&arch=linux/arm64/v8&auth=ghcr`,
  'file://./relative', // rejected
];
const N = 200_000;
for (const input of INPUTS) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    try {
      parseCommand(input);
    } catch {
      // rejected inputs are part of the workload
    }
  }
  const ns = Number(process.hrtime.bigint() - start) / N;
  console.log(`${(1e9 / ns).toFixed(0).padStart(9)} ops/s  ${ns.toFixed(0).padStart(6)} ns/op  ${input.slice(0, 60)}`);
}
