// The runtime's PluginManager plus placeholders for plugins the edge was told to run but could not load (a command
// the local policy refuses, oci:// without a cache …). Without them such a plugin would silently drop out of its hook
// chain; with them a fail-closed one stays in the chain — calls answer PLUGIN_UNAVAILABLE, so its traffic is refused —
// and /health lists it with its error code.
import { PluginManager, type HookType, type PluginSpecInput, type PluginStatus } from '@plugway/runtime';

type ChainLinks = ReturnType<PluginManager['chain']>;

export class EdgePluginManager extends PluginManager {
  private readonly blocked = new Map<string, { status: PluginStatus; isActive: boolean; config: Record<string, unknown> }>();

  /** Records a plugin that could not be registered; it takes part in its chain as an unavailable plugin. */
  block(spec: PluginSpecInput, error: { code: string; message: string; causeCode?: string }): void {
    const scheme = /^(file|grpc|oci):/.exec(spec.command)?.[1] as PluginStatus['scheme'] | undefined;
    this.blocked.set(spec.id, {
      isActive: spec.isActive ?? true, config: spec.config ?? {},
      status: {
        id: spec.id, name: spec.name, slug: spec.slug, hookType: spec.hookType, scheme: scheme ?? 'file', failMode: spec.failMode ?? this.settings.defaultFailMode,
        order: spec.order ?? 0, state: 'error', restarts: 0, warnings: [], error,
      },
    });
    this.bumpGeneration();
  }

  unblock(id: string): void {
    if (this.blocked.delete(id)) this.bumpGeneration();
  }

  override chain(hookType: HookType): ChainLinks {
    const links = super.chain(hookType);
    const extra = [...this.blocked.values()].filter((b) => b.isActive && b.status.hookType === hookType && !this.has(b.status.id));
    if (!extra.length) return links;
    const order = new Map([...extra.map((b) => [b.status.id, b.status.order] as const), ...this.list().map((p) => [p.id, p.order] as const)]);
    return [...links, ...extra.map((b) => ({ id: b.status.id, failMode: b.status.failMode, config: b.config }))]
      .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0) || a.id.localeCompare(b.id));
  }

  override list(): PluginStatus[] {
    const running = super.list();
    return [...running, ...[...this.blocked.values()].filter((b) => !running.some((p) => p.id === b.status.id)).map((b) => b.status)];
  }
}
