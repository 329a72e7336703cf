// The PluginContext every hook of one request receives, built from what the edge knows and grown by the hooks:
// the upstream's LLM (from the config file), the identity an auth plugin returned, W3C trace headers, and the
// context_updates earlier pre_auth / post_auth plugins returned (merged into metadata, later ones win).
import type { pluginpb } from '@plugway/proto';

/** The LLM behind the upstream, as the config file describes it (AI Studio routes per LLM; the edge has one upstream). */
export interface UpstreamLlm { id: number; slug: string; vendor: string }

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const MAX_UINT32 = 0xffff_ffff;

export function newRequestContext(requestId: string, headers: Readonly<Record<string, string>>, llm: UpstreamLlm | undefined): pluginpb.PluginContext {
  return {
    requestId, vendor: llm?.vendor ?? '', llmId: llm?.id ?? 0, llmSlug: llm?.slug ?? '', appId: 0, userId: 0,
    metadata: {}, traceContext: traceContextOf(headers),
  };
}

/** W3C Trace Context: a well-formed `traceparent` (and its `tracestate`); anything malformed is left out. */
export function traceContextOf(headers: Readonly<Record<string, string>>): Record<string, string> {
  const parent = headers['traceparent']?.trim().toLowerCase();
  if (!parent || !TRACEPARENT.test(parent) || parent.startsWith('ff')) return {};
  const state = headers['tracestate']?.trim();
  return state ? { traceparent: parent, tracestate: state } : { traceparent: parent };
}

/** PluginResponse.context_updates → the context later hooks receive. */
export function applyContextUpdates(ctx: pluginpb.PluginContext, updates: Readonly<Record<string, string>> | undefined): void {
  if (updates && Object.keys(updates).length) ctx.metadata = { ...ctx.metadata, ...updates };
}

/** AuthResponse ids are strings, PluginContext's are uint32: numeric ids are carried over, others stay 0. */
export function applyIdentity(ctx: pluginpb.PluginContext, userId: string, appId: string): void {
  ctx.userId = toUint32(userId);
  ctx.appId = toUint32(appId);
}

function toUint32(s: string): number {
  if (!/^\d{1,10}$/.test(s)) return 0;
  const n = Number(s);
  return n <= MAX_UINT32 ? n : 0;
}
