{{- /* PodMonitor (sidecar) and PrometheusRule (spec.alerts), when asked for and the cluster serves
monitoring.coreos.com/v1: manifests/monitoring.py pod_monitor and manifests/alerts.py. The alert rules
are data in files/otelgen.json (monitoring.rules, from otelgen.alert_rules); this file only fills in
their placeholders. */ -}}
{{- define "otelgen.objects.podMonitor" -}}
{{- $plan := .plan -}}
{{- $spec := .spec -}}
{{- $data := .data -}}
{{- $objects := list -}}
{{- $pm := $spec.podMonitor -}}
{{- if and (not (get .data.modes.traits .mode).ownPods) $pm.enabled .helm.monitoringApi -}}
{{- $meta := include "otelgen.metadata" (merge (dict "name" $plan.name) .m) | fromJson -}}
{{- $_ := set $meta "labels" (merge (deepCopy $pm.labels) $meta.labels) -}}
{{- $keep := dict "action" "keep" "sourceLabels" (list "__meta_kubernetes_pod_container_name") "regex" $spec.sidecar.containerName -}}
{{- $endpoint := dict "port" $data.naming.telemetryPort "path" $data.naming.metricsPath "interval" $pm.interval "relabelings" (list $keep) -}}
{{- $selector := dict "matchLabels" (dict $data.monitoring.sidecarLabel $plan.name) -}}
{{- $objects = append $objects (dict "apiVersion" "monitoring.coreos.com/v1" "kind" "PodMonitor" "metadata" $meta "spec" (dict "jobLabel" $data.monitoring.sidecarLabel "selector" $selector "podMetricsEndpoints" (list $endpoint))) -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- /* a threshold as alerts.number writes it: whole numbers as integers, others as Go's %v */ -}}
{{- define "otelgen.promNumber" -}}
{{- if eq (float64 .) (floor .) -}}{{- printf "%d" (int64 .) -}}{{- else -}}{{- printf "%v" (float64 .) -}}{{- end -}}
{{- end -}}

{{- define "otelgen.objects.prometheusRule" -}}
{{- $plan := .plan -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $data := .data -}}
{{- $mon := $data.monitoring -}}
{{- $objects := list -}}
{{- $alerts := $spec.alerts -}}
{{- if and $alerts.enabled .helm.monitoringApi -}}
{{- $collector := "" -}}
{{- if $alerts.selector -}}
{{- $parts := list -}}
{{- range $k := keys $alerts.selector | sortAlpha -}}{{- $parts = append $parts (printf "%s=\"%s\"" $k (get $alerts.selector $k)) -}}{{- end -}}
{{- $collector = join "," $parts -}}
{{- else -}}
{{- $collector = printf "job=\"%s\",namespace=\"%s\"" $plan.name $plan.namespace -}}
{{- end -}}
{{- $pods := printf "namespace=\"%s\"" $plan.namespace -}}
{{- if not (get $data.modes.traits $mode).ownPods -}}
{{- $pods = printf "%s,container=\"%s\"" $pods $spec.sidecar.containerName -}}
{{- else -}}
{{- $pods = printf "%s,container=\"%s\",pod=~\"%s%s\"" $pods $data.naming.container $plan.name (get $mon.podSuffix ((get $data.modes.traits $mode).workload | default "") | default $mon.podSuffixOther) -}}
{{- end -}}
{{- $selectors := dict "collector" $collector "pods" $pods -}}
{{- $restarts := $mon.restartMetrics.container -}}
{{- if and (not (get $data.modes.traits $mode).ownPods) $spec.sidecar.native -}}{{- $restarts = $mon.restartMetrics.initContainer -}}{{- end -}}
{{- $carried := dict -}}
{{- range $pname, $pipeline := $plan.pipelines -}}{{- $_ := set $carried (regexReplaceAll "/.*$" $pname "") true -}}{{- end -}}
{{- $signals := list -}}
{{- range $s := $mon.signals -}}{{- if hasKey $carried $s -}}{{- $signals = append $signals $s -}}{{- end -}}{{- end -}}
{{- $rules := list -}}
{{- range $rule := $mon.rules -}}
{{- $o := get $alerts.rules $rule.alert | default dict -}}
{{- if not (and (hasKey $o "enabled") (not $o.enabled)) -}}
{{- $values := dict "SELECTOR" (get $selectors $rule.scope) "RESTARTS" $restarts -}}
{{- $keep := true -}}
{{- if not (kindIs "invalid" $rule.threshold) -}}
{{- $t := $rule.threshold -}}
{{- if hasKey $o "threshold" -}}{{- $t = $o.threshold -}}{{- end -}}
{{- if eq ($rule.thresholdKind | default "") "memoryPercent" -}}
{{- if $plan.limits.memory -}}
{{- $mib := include "otelgen.mebibytes" $plan.limits.memory | atoi -}}
{{- $_ := set $values "THRESHOLD" (toString (mul (int64 (floor (divf (mulf $mib $t) 100))) (int64 $mon.mebibyte))) -}}
{{- else -}}
{{- $keep = false -}}
{{- end -}}
{{- else -}}
{{- $_ := set $values "THRESHOLD" (include "otelgen.promNumber" $t) -}}
{{- end -}}
{{- end -}}
{{- if $keep -}}
{{- $severity := $o.severity | default $rule.severity -}}
{{- $for := get $o "for" | default (get $rule "for") -}}
{{- $each := list "" -}}
{{- if $rule.perSignal -}}{{- $each = $signals -}}{{- end -}}
{{- range $signal := $each -}}
{{- $here := deepCopy $values -}}
{{- $labels := merge (deepCopy $alerts.alertLabels) (dict "severity" $severity) -}}
{{- if $signal -}}
{{- $_ := set $here "SIGNAL" $signal -}}
{{- $_ := set $here "ITEMS" (get $mon.items $signal) -}}
{{- $_ := set $labels "signal" $signal -}}
{{- end -}}
{{- $texts := dict "expr" $rule.expr "summary" $rule.summary "description" $rule.description -}}
{{- range $field, $text := $texts -}}
{{- $filled := $text -}}
{{- range $k, $v := $here -}}{{- $filled = replace (printf "%%%s%%" $k) $v $filled -}}{{- end -}}
{{- $_ := set $texts $field $filled -}}
{{- end -}}
{{- $annotations := dict "summary" $texts.summary "description" $texts.description $mon.runbookAnnotation (printf "%s#%s" $alerts.runbookBaseUrl (lower $rule.alert)) -}}
{{- $rules = append $rules (dict "alert" $rule.alert "expr" $texts.expr "for" $for "labels" $labels "annotations" $annotations) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $meta := include "otelgen.metadata" (merge (dict "name" $plan.name) .m) | fromJson -}}
{{- $_ := set $meta "labels" (merge (deepCopy $alerts.labels) $meta.labels) -}}
{{- $group := $mon.groupName | replace "{namespace}" $plan.namespace | replace "{name}" $plan.name -}}
{{- $objects = append $objects (dict "apiVersion" "monitoring.coreos.com/v1" "kind" "PrometheusRule" "metadata" $meta "spec" (dict "groups" (list (dict "name" $group "rules" $rules)))) -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}
