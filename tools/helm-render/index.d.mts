// Types for tools/helm-render/index.mjs (a renderer for the template subset of deploy/helm/plugway).

export interface RenderedObject {
  /** The template file it came from. */
  file: string;
  /** One Kubernetes object, parsed from the rendered YAML. */
  obj: Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown } };
}

/**
 * Renders every template of `chartDir` with values.yaml deep-merged with `overrides` (like `helm template -f`).
 * Throws on any template construct or function outside the supported subset, a failed `required`, or invalid YAML.
 */
export function renderChart(
  chartDir: string,
  overrides?: Record<string, unknown>,
  release?: { name: string; namespace: string },
): { manifests: Record<string, string>; objects: RenderedObject[] };
