// deploy/helm/plugway rendered (tools/helm-render: the template subset the chart uses, since helm cannot be installed
// here) for the default values and two other value sets; every object is validated against the Kubernetes schemas
// (kubernetes-models, pinned), the security context of issue #15 is asserted, and the env each pod gets is fed to the
// real config loaders.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEdgeSettings, loadStudioSettings } from '@plugway/config';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { renderChart, type RenderedObject } from '../../../tools/helm-render/index.mjs';

const CHART = fileURLToPath(new URL('../../../deploy/helm/plugway', import.meta.url));
const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap, 'v1/Secret': Secret, 'v1/Service': Service, 'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment, 'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy, 'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};
const TOKEN = 'a'.repeat(32);

const VALUE_SETS: Record<string, Record<string, unknown>> = {
  // helm install plugway deploy/helm/plugway --set apiToken.value=… (the one required value)
  defaults: { apiToken: { value: TOKEN } },
  // The seed's ConfigMap example, with NetworkPolicies, PDBs and an existing token Secret
  configMap: {
    apiToken: { existingSecret: 'plugway-token' },
    policy: { commandAllowlist: 'grpc://10.0.0.0/8' },
    plugins: { source: 'configMap', configMap: { name: 'my-plugins' }, limits: { processes: 256, cpuSeconds: 3600, addressSpace: '4GiB' } },
    networkPolicy: {
      enabled: true,
      studioIngressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
      studioExtraEgress: [{ to: [{ ipBlock: { cidr: '10.0.0.5/32' } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    },
    edge: { pdb: { enabled: true } },
    studio: { pdb: { enabled: true } },
  },
  // Edge only: plugins from a PersistentVolume, oci:// plugins cached on a PVC, restricted ingress
  persistentVolume: {
    apiToken: { value: TOKEN },
    studio: { enabled: false },
    plugins: { source: 'persistentVolume', persistentVolume: { claimName: 'plugin-binaries', subPath: 'bin' } },
    edge: {
      oci: { existingClaim: 'oci-cache' }, studioSync: { enabled: false },
      plugins: [{ id: 'inject', name: 'Injector', slug: 'inject', command: 'oci://registry.example.com/plugins/inject:1.0.0', hookType: 'pre_auth' }],
    },
    networkPolicy: { enabled: true, edgeIngressFrom: [{ podSelector: { matchLabels: { app: 'frontend' } } }], registry: { cidrs: ['203.0.113.0/24'], ports: [443, 5000] } },
  },
  // Issue #13: N studios on one PostgreSQL (URL from a Secret), M edges
  replicas: {
    apiToken: { value: TOKEN },
    studio: { replicaCount: 3, database: { existingSecret: 'plugway-db' } },
    edge: { replicaCount: 4 },
  },
};

const deployments = (objs: RenderedObject[]) => objs.filter((o) => o.obj.kind === 'Deployment').map((o) => o.obj as unknown as IDeployment);
// The container env; a value from a Secret stands in as TOKEN (the API token) or a postgres:// URL (key `url`), the pod name as POD.
const POD = 'plugway-edge-7d9f-x2k4q';
const envOf = (d: IDeployment): Record<string, string> => Object.fromEntries((d.spec!.template.spec!.containers[0]!.env ?? []).map((e) => [
  e.name, e.value ?? (e.valueFrom?.fieldRef ? POD : e.valueFrom?.secretKeyRef?.key === 'url' ? 'postgres://plugway:pw@db:5432/plugway' : TOKEN),
]));

describe.each(Object.entries(VALUE_SETS))('helm chart with the %s values', (_name, values) => {
  const { objects } = renderChart(CHART, values);

  it('renders objects that all validate against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThan(3);
    for (const { file, obj } of objects) {
      const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
      expect(Model, `${file}: ${obj.apiVersion} ${obj.kind}`).toBeDefined();
      expect(() => new Model!(obj as never).validate(), `${file}: ${obj.kind} ${obj.metadata.name}`).not.toThrow();
    }
  });

  it('runs every pod non-root, read-only, without capabilities or privilege escalation, RuntimeDefault seccomp, probes on /health', () => {
    for (const d of deployments(objects)) {
      const pod = d.spec!.template.spec!;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
        expect(c.readinessProbe?.httpGet?.path).toBe('/health');
        expect(c.livenessProbe?.httpGet?.path).toBe('/health');
        // writable paths only as volumes: /tmp, the studio data volume, the OCI cache
        const writable = (c.volumeMounts ?? []).filter((m) => !m.readOnly).map((m) => m.name).sort();
        expect(writable).toEqual(c.name === 'studio' ? ['data', 'tmp'] : ['data', 'oci-cache', 'tmp']);
        expect(envOf(d)['PLUGIN_WORK_DIR']).toBe('/tmp/plugway-plugins');
      }
    }
  });

  it('gives each pod an environment its config loader accepts', () => {
    for (const d of deployments(objects)) {
      const env = envOf(d);
      const settings = d.metadata!.name!.endsWith('-studio') ? loadStudioSettings(env).runtime : loadEdgeSettings(env).runtime;
      expect(settings.pluginHost.sandbox.limits.openFiles).toBe(1024);
    }
  });
});

describe('helm chart specifics', () => {
  it('mounts the ConfigMap read-only with mode 0555 and allowlists "<mountPath>/*" next to the configured entries', () => {
    const { objects } = renderChart(CHART, VALUE_SETS['configMap']);
    for (const d of deployments(objects)) {
      const pod = d.spec!.template.spec!;
      expect(pod.volumes).toContainEqual({ name: 'plugins-src', configMap: { name: 'my-plugins', defaultMode: 0o555 } });
      expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'plugins-src', mountPath: '/plugins', readOnly: true });
      expect(envOf(d)).toMatchObject({ PLUGIN_COMMAND_ALLOWLIST: 'grpc://10.0.0.0/8,/plugins/*', PLUGIN_LIMIT_PROCESSES: '256', PLUGIN_LIMIT_CPU_SECONDS: '3600', PLUGIN_LIMIT_ADDRESS_SPACE: '4GiB' });
      const load = d.metadata!.name!.endsWith('-studio') ? loadStudioSettings : loadEdgeSettings;
      expect(load(envOf(d)).runtime.pluginHost.sandbox.limits).toEqual({ openFiles: 1024, processes: 256, cpuSeconds: 3600, addressSpaceBytes: 4 * 2 ** 30 });
    }
    const kinds = objects.map((o) => `${o.obj.kind}/${o.obj.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining(['NetworkPolicy/plugway-plugway-edge', 'NetworkPolicy/plugway-plugway-studio', 'PodDisruptionBudget/plugway-plugway-edge', 'PodDisruptionBudget/plugway-plugway-studio']));
    expect(kinds.some((k) => k.startsWith('Secret/'))).toBe(false);
  });

  it('edge NetworkPolicy: DNS, upstream, studio and registry egress only; studio ingress only from the edge and listed peers', () => {
    const { objects } = renderChart(CHART, VALUE_SETS['configMap']);
    // (validated against the NetworkPolicy schema above)
    const np = (name: string) => (objects.find((o) => o.obj.kind === 'NetworkPolicy' && o.obj.metadata.name.endsWith(name))!.obj as unknown as INetworkPolicy).spec!;
    expect(np('-edge').egress!.map((e) => e.ports!.map((p) => p.port).join('+'))).toEqual(['53+53', '80+443', '3000', '443']);
    expect(np('-studio').ingress![0]!.from).toHaveLength(2);
    expect(np('-studio').egress).toHaveLength(3);
  });

  it('persistentVolume: a read-only PVC at /plugins (subPath), the OCI cache on an existing claim, no studio', () => {
    const { objects } = renderChart(CHART, VALUE_SETS['persistentVolume']);
    const [edge, ...rest] = deployments(objects);
    expect(rest).toEqual([]);
    const pod = edge!.spec!.template.spec!;
    expect(pod.volumes).toContainEqual({ name: 'plugins-src', persistentVolumeClaim: { claimName: 'plugin-binaries', readOnly: true } });
    expect(pod.volumes).toContainEqual({ name: 'oci-cache', persistentVolumeClaim: { claimName: 'oci-cache' } });
    expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'plugins-src', mountPath: '/plugins', readOnly: true, subPath: 'bin' });
    expect(objects.filter((o) => o.obj.kind === 'NetworkPolicy')).toHaveLength(1);
  });

  it('replicas: N studios share PostgreSQL (no volume, rolling updates), M edges each named by their pod', () => {
    const { objects } = renderChart(CHART, VALUE_SETS['replicas']);
    const [studio, edge] = ['-studio', '-edge'].map((n) => deployments(objects).find((d) => d.metadata!.name!.endsWith(n))!);
    expect(studio!.spec).toMatchObject({ replicas: 3, strategy: { type: 'RollingUpdate' } });
    expect(objects.some((o) => o.obj.kind === 'PersistentVolumeClaim')).toBe(false);
    expect(studio!.spec!.template.spec!.volumes).toContainEqual({ name: 'data', emptyDir: {} });
    expect(studio!.spec!.template.spec!.containers[0]!.env).toContainEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'plugway-db', key: 'url' } } });
    expect(loadStudioSettings(envOf(studio!)).database.kind).toBe('postgres');
    expect(edge!.spec!.replicas).toBe(4);
    expect(loadEdgeSettings(envOf(edge!)).studio).toMatchObject({ url: 'http://plugway-plugway-studio:3000', edgeId: POD });
    // The single-node default keeps SQLite on a volume with Recreate.
    const single = deployments(renderChart(CHART, VALUE_SETS['defaults']).objects).find((d) => d.metadata!.name!.endsWith('-studio'))!;
    expect(single.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
  });

  it('fails like helm on a missing required value and on template constructs the renderer does not support', () => {
    expect(() => renderChart(CHART, {})).toThrow(/apiToken.value or apiToken.existingSecret is required/);
    expect(() => renderChart(CHART, { apiToken: { value: TOKEN }, plugins: { source: 'configMap' } })).toThrow(/plugins.configMap.name is required/);
    const dir = mkdtempSync(join(tmpdir(), 'chart-'));
    try {
      mkdirSync(join(dir, 'templates'));
      writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: t\nversion: 0.1.0\n');
      writeFileSync(join(dir, 'values.yaml'), 'x: 1\n');
      for (const [tpl, error] of [['{{ tpl .Values.x . }}', /function "tpl" is not supported/], ['{{ template "a" . }}', /not supported; use include/], ['{{ if .Values.x }}', /unclosed/]] as const) {
        writeFileSync(join(dir, 'templates/t.yaml'), tpl);
        expect(() => renderChart(dir)).toThrow(error);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
