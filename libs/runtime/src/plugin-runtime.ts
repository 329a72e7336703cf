// Launching an artifact that names a runtime (a plugin built by `plugway package`): the host runs the file with its
// own Node, after checking it is new enough. Any other runtime is refused with a code, before anything is spawned.
import { isPlugwayError } from '@plugway/core';
import type { PluginRuntime } from '@plugway/oci';
import { RuntimeError } from './error.js';

/** The Node the host runs packaged plugins with (default: the one running the host). */
export interface NodeRuntime {
  path: string;
  version: string;
}

function older(have: string, want: string): boolean {
  const a = have.split('.').map(Number);
  const b = want.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

export function describeRuntime(rt: PluginRuntime): string {
  return `${rt.name}${rt.minVersion ? ` >= ${rt.minVersion}` : ''}`;
}

/**
 * What to spawn for a plugin file: the file itself, or the host's Node with the file as its script.
 * @throws RuntimeError RUNTIME_PLUGIN_RUNTIME_UNAVAILABLE when the artifact asks for a runtime this host cannot provide
 */
export function launchCommand(id: string, file: string, runtime: PluginRuntime | undefined, node: NodeRuntime): { path: string; args: string[] } {
  if (!runtime) return { path: file, args: [] };
  if (runtime.name !== 'node' || (runtime.minVersion && older(node.version, runtime.minVersion))) {
    throw new RuntimeError({
      code: 'RUNTIME_PLUGIN_RUNTIME_UNAVAILABLE',
      message: `plugin ${id} needs runtime ${describeRuntime(runtime)}, this host provides node ${node.version}${runtime.name === 'node' ? ': run the host on a newer Node or package the plugin for this one' : ''}`,
      details: { runtime, hostRuntime: { name: 'node', version: node.version } },
    });
  }
  return { path: node.path, args: [file] };
}

/** Adds the runtime a packaged plugin asked for to a launch failure (e.g. PLUGIN_EXITED), keeping its code. */
export function withRuntime(e: unknown, runtime: PluginRuntime | undefined, node: NodeRuntime): unknown {
  if (runtime && isPlugwayError(e)) e.message = `${e.message} [packaged plugin: runtime ${describeRuntime(runtime)}, run with node ${node.version} at ${node.path}]`;
  return e;
}
