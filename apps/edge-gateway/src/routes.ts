// Per-route plugin selection: a request runs the plugins attached to no route (global) plus those of the first route it
// matches. Routes come from the config file; plugin ids may name file or studio-synced plugins (`studio-<id>`).
import { z } from 'zod';

const methodSchema = z.string().regex(/^[A-Za-z]+$/, 'an HTTP method name').transform((m) => m.toUpperCase());

/** One route of the config file: every criterion given must match; `plugins` are the ids attached to it. */
export const routeSchema = z.object({
  id: z.string().min(1).max(128),
  match: z.object({
    /** Segment-aware: `/v1` matches `/v1`, `/v1/chat` and `/v1?x`, not `/v10`. */
    pathPrefix: z.string().startsWith('/').optional(),
    /** Host header without the port, case-insensitive. */
    host: z.string().min(1).transform((h) => h.toLowerCase()).optional(),
    methods: z.array(methodSchema).min(1).optional(),
    /** AI Studio's LLM endpoint: the slug in `/llm/rest/<slug>/…` and `/llm/stream/<slug>/…`. */
    llm: z.string().regex(/^[A-Za-z0-9._-]+$/, 'an LLM slug').optional(),
  }).strict(),
  plugins: z.array(z.string().min(1)).default([]),
}).strict();
export type RouteSpec = z.output<typeof routeSchema>;

interface CompiledRoute { id: string; prefixes: string[] | undefined; host: string | undefined; methods: ReadonlySet<string> | undefined; plugins: ReadonlySet<string> }

/** Index of the route a request matches (-1: none); the routes are checked in file order and the first match wins. */
export class RouteTable {
  private readonly routes: CompiledRoute[];
  /** Every plugin id some route names; the others are global. */
  readonly routed: ReadonlySet<string>;

  constructor(specs: readonly RouteSpec[] = []) {
    this.routes = specs.map((r) => ({
      id: r.id,
      prefixes: r.match.llm ? [`/llm/rest/${r.match.llm}`, `/llm/stream/${r.match.llm}`].map((p) => join(r.match.pathPrefix, p)) : r.match.pathPrefix ? [r.match.pathPrefix] : undefined,
      host: r.match.host,
      methods: r.match.methods ? new Set(r.match.methods) : undefined,
      plugins: new Set(r.plugins),
    }));
    this.routed = new Set(specs.flatMap((r) => r.plugins));
  }

  get size(): number { return this.routes.length; }

  match(method: string, host: string | undefined, path: string): number {
    for (let i = 0; i < this.routes.length; i++) {
      const r = this.routes[i]!;
      if (r.methods && !r.methods.has(method)) continue;
      if (r.host !== undefined && hostname(host) !== r.host) continue;
      if (r.prefixes && !anyPrefix(path, r.prefixes)) continue;
      return i;
    }
    return -1;
  }

  /** Whether plugin `id` runs on requests of route `index` (-1: requests that match no route). */
  runs(id: string, index: number): boolean {
    if (!this.routed.has(id)) return true;
    return index >= 0 && this.routes[index]!.plugins.has(id);
  }

  routeId(index: number): string | undefined {
    return this.routes[index]?.id;
  }
}

// An `llm` route with a pathPrefix too mounts the LLM paths under that prefix (a gateway served below a base path).
function join(base: string | undefined, path: string): string {
  return base ? base.replace(/\/$/, '') + path : path;
}

function anyPrefix(path: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (hasPrefix(path, p)) return true;
  return false;
}

function hasPrefix(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length || prefix.endsWith('/')) return true;
  const next = path.charCodeAt(prefix.length);
  return next === 0x2f /* / */ || next === 0x3f /* ? */;
}

function hostname(host: string | undefined): string {
  if (!host) return '';
  const h = host.toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}
