{{/* The release's full name, at most 63 characters. */}}
{{- define "opensandbox-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "opensandbox-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "opensandbox-operator.labels" -}}
{{ include "opensandbox-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "opensandbox-operator.serviceAccountName" -}}
{{- default (include "opensandbox-operator.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* The Temporal frontend: the value given, else the bundled Temporal's frontend Service. */}}
{{- define "opensandbox-operator.temporalAddress" -}}
{{- if .Values.temporal.address -}}
{{- .Values.temporal.address -}}
{{- else if .Values.temporal.enabled -}}
{{- printf "%s-temporal-frontend:7233" .Release.Name -}}
{{- else -}}
{{- fail "temporal.address is required (host:port of the Temporal frontend), or set temporal.enabled=true to install Temporal with this chart" -}}
{{- end -}}
{{- end -}}
