{{- define "plugway.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "plugway.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "plugway.tokenSecret" -}}
{{- if .Values.apiToken.existingSecret -}}{{ .Values.apiToken.existingSecret }}{{- else -}}{{ include "plugway.fullname" . }}-token{{- end -}}
{{- end -}}

{{/* Pod-level security (issue #15): non-root, RuntimeDefault seccomp. */}}
{{- define "plugway.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end -}}

{{/* Container-level security: read-only root filesystem, no capabilities, no privilege escalation. */}}
{{- define "plugway.containerSecurityContext" -}}
{{ toYaml .Values.containerSecurityContext }}
{{- end -}}

{{/* PLUGIN_COMMAND_ALLOWLIST: the configured entries plus "<mountPath>/*" when plugins come from a volume. */}}
{{- define "plugway.allowlist" -}}
{{- if eq .Values.plugins.source "configMap" "persistentVolume" -}}
{{ join "," (compact (list .Values.policy.commandAllowlist (printf "%s/*" .Values.plugins.mountPath))) }}
{{- else -}}
{{ .Values.policy.commandAllowlist }}
{{- end -}}
{{- end -}}

{{/* Environment both components share: policy and how plugin processes run. */}}
{{- define "plugway.pluginEnv" -}}
- { name: ALLOW_INTERNAL_NETWORK_ACCESS, value: {{ .Values.policy.allowInternalNetworkAccess | quote }} }
{{- with include "plugway.allowlist" . }}
- { name: PLUGIN_COMMAND_ALLOWLIST, value: {{ . | quote }} }
{{- end }}
- { name: PLUGIN_WORK_DIR, value: /tmp/plugway-plugins }
{{- with .Values.plugins.limits.openFiles }}
- { name: PLUGIN_LIMIT_OPEN_FILES, value: {{ . | quote }} }
{{- end }}
{{- with .Values.plugins.limits.processes }}
- { name: PLUGIN_LIMIT_PROCESSES, value: {{ . | quote }} }
{{- end }}
{{- with .Values.plugins.limits.cpuSeconds }}
- { name: PLUGIN_LIMIT_CPU_SECONDS, value: {{ . | quote }} }
{{- end }}
{{- with .Values.plugins.limits.addressSpace }}
- { name: PLUGIN_LIMIT_ADDRESS_SPACE, value: {{ . | quote }} }
{{- end }}
{{- end -}}

{{/* Mounts every pod gets: /tmp (the only writable path besides the data/cache volumes) and the plugin volume. */}}
{{- define "plugway.commonMounts" -}}
- { name: tmp, mountPath: /tmp }
{{- if eq .Values.plugins.source "configMap" "persistentVolume" }}
- name: plugins-src
  mountPath: {{ .Values.plugins.mountPath }}
  readOnly: true
  {{- with .Values.plugins.persistentVolume.subPath }}
  subPath: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{- define "plugway.commonVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSize }}
{{- if eq .Values.plugins.source "configMap" }}
- name: plugins-src
  configMap:
    name: {{ required "plugins.configMap.name is required when plugins.source is configMap" .Values.plugins.configMap.name }}
    defaultMode: 0555
{{- else if eq .Values.plugins.source "persistentVolume" }}
- name: plugins-src
  persistentVolumeClaim:
    claimName: {{ required "plugins.persistentVolume.claimName is required when plugins.source is persistentVolume" .Values.plugins.persistentVolume.claimName }}
    readOnly: true
{{- end }}
{{- end -}}
