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

{{/* The Temporal frontend. Temporal is not part of this chart (Chart.yaml says why), so there is no fallback. */}}
{{- define "opensandbox-operator.temporalAddress" -}}
{{- .Values.temporal.address | required "temporal.address is required: host:port of the Temporal frontend the operator runs its workflows on (e.g. temporal-frontend.temporal:7233). This chart does not install Temporal; values.yaml, temporal:, says how to get one." -}}
{{- end -}}

{{/* registry/repository:tag, or registry/repository@digest (a digest pins the content, so it wins). */}}
{{- define "opensandbox-operator.image" -}}
{{- $repository := .Values.image.repository -}}
{{- if .Values.image.registry -}}
{{- $repository = printf "%s/%s" .Values.image.registry $repository -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{- define "opensandbox-operator.serviceName" -}}
{{- printf "%s-metrics" (include "opensandbox-operator.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The Service is what a ServiceMonitor scrapes through, so enabling the latter brings it along. */}}
{{- define "opensandbox-operator.serviceEnabled" -}}
{{- if or .Values.service.enabled .Values.serviceMonitor.enabled }}true{{ end -}}
{{- end -}}

{{- define "opensandbox-operator.pdbEnabled" -}}
{{- if and .Values.podDisruptionBudget.enabled (gt (int .Values.replicaCount) 1) }}true{{ end -}}
{{- end -}}

{{/* The node commit agent's pods: apart from the operator's, so the Deployment, its PodDisruptionBudget and Service never select them. */}}
{{- define "opensandbox-operator.commitAgentSelectorLabels" -}}
app.kubernetes.io/name: opensandbox-commit-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: commit-agent
{{- end -}}
