// A go-plugin peer for tests, written directly on grpc-js (not the SDK). FIXTURE_MODE picks a behaviour.
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gopluginpb, healthpb, pluginpb } from '@plugway/proto';

const mode = process.env.FIXTURE_MODE ?? 'ok';
if (process.env[process.env.FIXTURE_COOKIE ?? 'AI_STUDIO_PLUGIN'] !== 'v1') {
  process.stderr.write('This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically\n');
  process.exit(1);
}
if (mode === 'early-exit') { process.stderr.write('fixture: first of two lines\nfixture: giving up early\n'); process.exit(3); }
const hang = async (): Promise<never> => { setInterval(() => undefined, 1000); return new Promise<never>(() => undefined); };
if (mode === 'garbage') { process.stdout.write('hello, I am not a handshake\n'); await hang(); }
if (mode === 'silent') await hang();
if (mode === 'netrpc') { process.stdout.write('1|1|tcp|127.0.0.1:1234|netrpc\n'); await hang(); }
if (mode === 'stubborn') process.on('SIGTERM', () => undefined);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const server = new grpc.Server();
let calls = 0;
const impl: Partial<pluginpb.PluginServiceServer> = {
  processPreAuth: async (call, cb) => {
    calls++;
    if (mode === 'slow') await sleep(3000);
    cb(null, pluginpb.PluginResponse.fromPartial({ modified: true, headers: { ...call.request.headers, 'x-fixture': `pid-${process.pid}`, 'x-calls': String(calls) } }));
    // Exit once the answer is surely on the wire (10 ms was not enough on a loaded machine: ECONNRESET before the reply).
    if (mode === 'crash-after-call') setTimeout(() => process.exit(7), 200);
  },
  authenticate: (call, cb) => {
    if (call.request.credential === 'boom') return cb({ code: grpc.status.INTERNAL, details: 'fixture exploded' });
    cb(null, pluginpb.AuthResponse.fromPartial({ authenticated: call.request.credential === 'good', userId: 'u1' }));
  },
  getManifest: (_call, cb) => cb(null, { success: true, manifestJson: JSON.stringify({ name: 'fixture', version: '1.0.0' }), errorMessage: '' }),
};
server.addService(pluginpb.PluginServiceService, impl as pluginpb.PluginServiceServer);
server.addService(healthpb.HealthService, {
  check: (_c: unknown, cb: grpc.sendUnaryData<healthpb.HealthCheckResponse>) => cb(null, { status: mode === 'unhealthy' ? healthpb.HealthCheckResponse_ServingStatus.NOT_SERVING : healthpb.HealthCheckResponse_ServingStatus.SERVING }),
  watch: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
});
server.addService(gopluginpb.GRPCControllerService, {
  shutdown: (_c: unknown, cb: grpc.sendUnaryData<gopluginpb.Empty>) => {
    cb(null, {});
    if (mode !== 'stubborn') setTimeout(() => { server.forceShutdown(); cleanup(); process.exit(0); }, 10);
  },
});

if (mode === 'broker') {
  // Asks the host for service 7 with a go-plugin multiplexing "knock" and logs the host's answer.
  server.addService(gopluginpb.GRPCBrokerService, {
    startStream: (call: grpc.ServerDuplexStream<gopluginpb.ConnInfo, gopluginpb.ConnInfo>) => {
      call.on('data', (info: gopluginpb.ConnInfo) => process.stderr.write(JSON.stringify({ '@level': 'info', '@message': 'broker answer', ...info.knock }) + '\n'));
      call.on('error', () => undefined);
      call.write(gopluginpb.ConnInfo.fromPartial({ serviceId: 7, knock: { knock: true } }));
    },
  });
}

const dir = mkdtempSync(join(tmpdir(), 'fixture-plugin-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
process.on('exit', cleanup); // every exit but SIGKILL's leaves /tmp as it found it
process.on('SIGTERM', () => { if (mode !== 'stubborn') { cleanup(); process.exit(0); } });
const tcp = mode === 'tcp';
const addr = tcp ? '127.0.0.1:0' : `unix:${join(dir, 'plugin.sock')}`;
server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) { process.stderr.write(`bind failed: ${err.message}\n`); process.exit(2); }
  process.stderr.write(JSON.stringify({ '@level': 'info', '@message': 'fixture serving', mode }) + '\n');
  process.stdout.write(tcp ? `1|1|tcp|127.0.0.1:${port}|grpc\n` : `1|1|unix|${join(dir, 'plugin.sock')}|grpc\n`);
});
