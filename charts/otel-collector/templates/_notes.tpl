{{- /* NOTES.txt: where to send telemetry and how to check the collector (a define, so tests can render it). */ -}}
{{- define "otelgen.notes" -}}
{{- $plan := include "otelgen.plan" . | fromJson -}}
{{- $ns := $plan.namespace -}}
{{- $receivers := list -}}
{{- range $p := $plan.needs.ports -}}{{- if and $p.service (ne $p.name $plan.data.naming.telemetryPort) -}}{{- $receivers = append $receivers $p -}}{{- end -}}{{- end -}}
{{- $health := "" -}}
{{- range $p := $plan.needs.ports -}}{{- if eq $p.name $plan.data.naming.healthPort -}}{{- $health = $p -}}{{- end -}}{{- end -}}
{{- $healthPath := "/" -}}
{{- $healthRow := $plan.data.inserts.health -}}
{{- range $inst := $plan.instances -}}{{- if and (eq $inst.section $healthRow.section) (has (include "otelgen.typeOf" $inst.name) $healthRow.types) -}}{{- $healthPath = get $inst.config $healthRow.probePath -}}{{- end -}}{{- end -}}
OpenTelemetry Collector {{ $plan.version }} ({{ $plan.mode }}) rendered by otelgen's chart as release {{ .Release.Name }} in namespace {{ $ns }}.
{{ $traits := get $plan.data.modes.traits $plan.mode }}{{ if not $traits.ownPods }}
Sidecar mode installs only the ConfigMap {{ $plan.data.naming.names.configMap | replace "{name}" $plan.name }}: add the collector container to your
pods with `otelgen inject --spec <your spec>`. The app sends to localhost:
{{- range $p := $receivers }}
  {{ $p.name }}: localhost:{{ int $p.port }}/{{ $p.protocol }}
{{- end }}
{{- else }}
Send telemetry to the Service {{ $plan.name }}.{{ $ns }}.svc.cluster.local{{ if $traits.perNode }} (internalTrafficPolicy keeps it on the sender's node){{ end }}:
{{- range $p := $receivers }}
  {{ $p.name }}: {{ $plan.name }}.{{ $ns }}.svc.cluster.local:{{ int $p.port }}/{{ $p.protocol }}{{ if $plan.spec.tls }} (TLS{{ if $plan.spec.tls.clientCA }}, client certificate required{{ end }}){{ end }}
{{- end }}
{{- if not $receivers }}
  (no network receivers are configured)
{{- end }}

Check that it is healthy (the readiness probe asks the {{ $healthRow.name }} extension,
http {{ $healthPath }} on port {{ int $health.port }}: ready means every pipeline is running):
  kubectl -n {{ $ns }} rollout status {{ lower $traits.workload }}/{{ $plan.name }}
  kubectl -n {{ $ns }} wait pod --for=condition=Ready --timeout=120s -l app.kubernetes.io/instance={{ $plan.name }},app.kubernetes.io/component={{ $plan.mode }}
  kubectl -n {{ $ns }} logs {{ lower $traits.workload }}/{{ $plan.name }} | grep -i error
The collector's own metrics are on port {{ int $plan.spec.telemetry.metricsPort }} ("metrics") of the Service.
{{- end }}
{{- end -}}
