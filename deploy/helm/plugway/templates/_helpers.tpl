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
