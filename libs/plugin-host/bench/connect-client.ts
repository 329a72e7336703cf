// A @connectrpc/connect-node client (gRPC protocol, HTTP/2) for PluginService.ProcessPreAuth, for the benches that
// compare hook clients. The service descriptor comes from the repo's proto files (`buf build`, a FileDescriptorSet,
// then a registry), so connect's messages are reflective @bufbuild/protobuf messages: their encoding is part of the cost.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { create, createFileRegistry, fromBinary, type DescMethod, type DescMethodUnary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { createGrpcTransport } from '@connectrpc/connect-node';

export interface PreAuthRequest { method: string; path: string; headers: Record<string, string>; remoteAddr?: string }

function isUnary(m: DescMethod): m is DescMethodUnary {
  return m.methodKind === 'unary';
}

/** A ProcessPreAuth caller over connect-node to a go-plugin address (a unix socket path or host:port). */
export function connectPreAuth(repo: string, address: string): (req: PreAuthRequest) => Promise<void> {
  const built = spawnSync(`${repo}/node_modules/.bin/buf`, ['build', '--as-file-descriptor-set', '-o', '-#format=binpb'], { cwd: repo, maxBuffer: 16 << 20 });
  if (built.status !== 0) throw new Error(`buf build failed: ${built.stderr.toString().slice(-500)}`);
  const service = createFileRegistry(fromBinary(FileDescriptorSetSchema, built.stdout)).getService('plugin.PluginService');
  const method = service?.method['processPreAuth'];
  if (!method || !isUnary(method)) throw new Error('plugin.PluginService/ProcessPreAuth is not in the proto files');
  const transport = createGrpcTransport({
    baseUrl: 'http://localhost', acceptCompression: [],
    nodeOptions: { createConnection: () => (address.startsWith('/') ? net.connect(address) : net.connect(Number(address.split(':')[1]), address.split(':')[0])) },
  });
  return async (req) => {
    await transport.unary(method, undefined, 5_000, undefined, create(method.input, { ...req, remoteAddr: req.remoteAddr ?? '' }));
  };
}
