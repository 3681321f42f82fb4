{{- define "otel.name" -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- end }}
{{- define "otel.selectorLabels" -}}
app.kubernetes.io/name: opentelemetry-collector
app.kubernetes.io/instance: {{ include "otel.name" . }}
app.kubernetes.io/component: gateway
{{- end }}
{{- define "otel.labels" -}}
{{ include "otel.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: opentelemetry
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
{{- define "otel.servicePorts" -}}
{{- range .Values.ports }}{{ if .service }}
- name: {{ .name }}
  port: {{ .port }}
  targetPort: {{ .name }}
  protocol: TCP
  appProtocol: {{ .appProtocol }}
{{- end }}{{ end }}
{{- end }}
