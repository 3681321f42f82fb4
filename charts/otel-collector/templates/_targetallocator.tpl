{{- /*
The prometheusScraping preset's target-allocator strategy (otelgen.targetallocator,
otelgen.manifests.targetallocator): the collector's receiver pointed at the allocator
(a plan phase after the presets) and the allocator's objects. Facts: .data.targetAllocator.
*/ -}}

{{- define "otelgen.ta.on" -}}
{{- $ps := .spec.presets.prometheusScraping -}}
{{- if and $ps $ps.enabled (eq (toString $ps.strategy) .data.targetAllocator.strategy) (get .data.modes.traits .mode).replicas -}}true{{- end -}}
{{- end -}}

{{- /* plan phase: the receiver the preset adds (targetallocator.receiver) */ -}}
{{- define "otelgen.plan.targetAllocator" -}}
{{- $ps := .spec.presets.prometheusScraping -}}
{{- $d := .data.targetAllocator -}}
{{- if and $ps $ps.enabled (eq (toString $ps.strategy) $d.strategy) -}}
{{- $ta := $ps.targetAllocator -}}
{{- $path := "spec.presets.prometheusScraping" -}}
{{- $traits := get .data.modes.traits .mode -}}
{{- if not $traits.replicas -}}
{{- include "otelgen.fail" (dict "id" "E078" "path" (printf "%s.strategy" $path) "msg" (printf "strategy target-allocator shares targets among the replicas of a gateway; mode %s is not one" .mode) "hint" (ternary "use strategy: node-local in the agent" "enable it on the gateway the sidecar sends to" $traits.perNode)) -}}
{{- end -}}
{{- if not (or $ps.annotationDiscovery $ps.scrapeConfigs $ta.serviceMonitors $ta.podMonitors) -}}
{{- include "otelgen.fail" (dict "id" "E078" "path" (printf "%s.annotationDiscovery" $path) "msg" "the target allocator has nothing to distribute: annotationDiscovery is off, scrapeConfigs is empty and neither serviceMonitors nor podMonitors is on (the allocator refuses to start)" "hint" "turn on annotationDiscovery, add scrapeConfigs, or set targetAllocator.serviceMonitors/podMonitors") -}}
{{- end -}}
{{- $cfg := dict "target_allocator" (dict "endpoint" (printf "http://%s-targetallocator.%s.svc:%d" .name .namespace (int $d.port)) "interval" $d.syncInterval "collector_id" (printf "${env:%s}" $d.podNameEnv)) -}}
{{- if not (hasKey .sections.receivers $d.receiver) -}}{{- $_ := set .sections.receivers $d.receiver $cfg -}}{{- end -}}
{{- if not (hasKey .pipelines "metrics") -}}
{{- include "otelgen.fail" (dict "id" "E020" "path" $path "msg" "preset prometheusScraping needs a 'metrics' pipeline to feed" "hint" "add spec.pipelines.metrics with the exporters that should get this data") -}}
{{- end -}}
{{- $p := get .pipelines "metrics" -}}
{{- if not (has $d.receiver $p.receivers) -}}{{- $_ := set $p "receivers" (append $p.receivers $d.receiver) -}}{{- end -}}
{{- end -}}
{{- end -}}

{{- /* the allocator's labels: {plan} */ -}}
{{- define "otelgen.ta.selector" -}}
{{- toJson (dict "app.kubernetes.io/name" .data.targetAllocator.appName "app.kubernetes.io/instance" .name "app.kubernetes.io/component" .data.targetAllocator.component) -}}
{{- end -}}

{{- define "otelgen.ta.metadata" -}}
{{- $meta := include "otelgen.metadata" (merge (dict "name" .name "clusterScoped" .clusterScoped) .m) | fromJson -}}
{{- $labels := merge (include "otelgen.ta.selector" .m.plan | fromJson) (dict "app.kubernetes.io/version" .version) $meta.labels -}}
{{- $_ := set $meta "labels" $labels -}}
{{- toJson $meta -}}
{{- end -}}

{{- /* the allocator's config file (targetallocator.allocator_config) */ -}}
{{- define "otelgen.ta.config" -}}
{{- $plan := .plan -}}
{{- $d := $plan.data.targetAllocator -}}
{{- $ps := $plan.spec.presets.prometheusScraping -}}
{{- $ta := $ps.targetAllocator -}}
{{- $config := dict "allocation_strategy" $ta.allocationStrategy "collector_namespace" $plan.namespace "collector_selector" (dict "matchLabels" .selector) "filter_strategy" $d.filterStrategy "listen_addr" (printf ":%d" (int $d.port)) -}}
{{- $jobs := list -}}
{{- if $ps.annotationDiscovery -}}
{{- $own := printf "%s;%s;%s" $plan.namespace $plan.data.naming.appName $plan.name -}}
{{- $relabel := list -}}
{{- range $r := $d.annotationRelabeling -}}
{{- $r = deepCopy $r -}}
{{- if eq (toString $r.regex) "{own}" -}}{{- $_ := set $r "regex" $own -}}{{- end -}}
{{- $relabel = append $relabel $r -}}
{{- end -}}
{{- $jobs = append $jobs (dict "job_name" $d.annotationJob "scrape_interval" $ps.scrapeInterval "kubernetes_sd_configs" (list (dict "role" "pod")) "relabel_configs" $relabel) -}}
{{- end -}}
{{- /* the collector's '$$' is the allocator's '$' (targetallocator._unescape) */ -}}
{{- $user := (dict "v" ($ps.scrapeConfigs | default list) | toJson | replace "$$" "$" | fromJson).v -}}
{{- $jobs = concat $jobs $user -}}
{{- if $jobs -}}{{- $_ := set $config "config" (dict "scrape_configs" $jobs) -}}{{- end -}}
{{- if or $ta.serviceMonitors $ta.podMonitors -}}
{{- $cr := dict "enabled" true "scrape_interval" $ps.scrapeInterval -}}
{{- if $ta.podMonitors -}}{{- $_ := set $cr "pod_monitor_selector" dict -}}{{- end -}}
{{- if $ta.serviceMonitors -}}{{- $_ := set $cr "service_monitor_selector" dict -}}{{- end -}}
{{- $_ := set $config "prometheus_cr" $cr -}}
{{- end -}}
{{- toJson $config -}}
{{- end -}}

{{- /* the allocator's ClusterRole rules (targetallocator.rbac_rules) */ -}}
{{- define "otelgen.ta.rules" -}}
{{- $d := .data.targetAllocator -}}
{{- $ps := .spec.presets.prometheusScraping -}}
{{- $ta := $ps.targetAllocator -}}
{{- $crs := or $ta.serviceMonitors $ta.podMonitors -}}
{{- $roles := list -}}
{{- range $job := $ps.scrapeConfigs | default list -}}
{{- range $sd := $job.kubernetes_sd_configs | default list -}}
{{- if kindIs "map" $sd -}}{{- $roles = append $roles (lower (toString ($sd.role | default ""))) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if $ta.serviceMonitors -}}{{- $roles = concat $roles (list "endpoints" "endpointslice") -}}{{- end -}}
{{- if $ta.podMonitors -}}{{- $roles = append $roles "pod" -}}{{- end -}}
{{- $read := list "get" "list" "watch" -}}
{{- $rules := list (dict "apiGroups" (list "") "resources" (list "pods") "verbs" $read) -}}
{{- if $crs -}}{{- $rules = append $rules (dict "apiGroups" (list "") "resources" (list "namespaces") "verbs" $read) -}}{{- end -}}
{{- range $role := $roles | uniq -}}
{{- range $pair := get $d.sdRoles $role | default list -}}
{{- $rules = append $rules (dict "apiGroups" (list (index $pair 0)) "resources" (list (index $pair 1)) "verbs" $read) -}}
{{- end -}}
{{- end -}}
{{- if $ta.podMonitors -}}{{- $rules = append $rules (dict "apiGroups" (list "monitoring.coreos.com") "resources" (list "podmonitors") "verbs" $read) -}}{{- end -}}
{{- if $ta.serviceMonitors -}}{{- $rules = append $rules (dict "apiGroups" (list "monitoring.coreos.com") "resources" (list "servicemonitors") "verbs" $read) -}}{{- end -}}
{{- include "otelgen.mergeRules" (dict "rules" $rules) -}}
{{- end -}}

{{- /* the collector's NetworkPolicy egress rule to the allocator (targetallocator.collector_egress): {plan} */ -}}
{{- define "otelgen.ta.collectorEgress" -}}
{{- $out := list -}}
{{- if include "otelgen.ta.on" .plan -}}
{{- $out = list (dict "to" (list (dict "podSelector" (dict "matchLabels" (include "otelgen.ta.selector" .plan | fromJson)))) "ports" (list (dict "protocol" "TCP" "port" .plan.data.targetAllocator.port))) -}}
{{- end -}}
{{- toJson (dict "v" $out) -}}
{{- end -}}

{{- /* the allocator's objects (manifests/targetallocator.objects), after the collector's */ -}}
{{- define "otelgen.objects.targetAllocator" -}}
{{- $plan := .plan -}}
{{- $spec := .spec -}}
{{- $data := .data -}}
{{- $d := $data.targetAllocator -}}
{{- $objects := list -}}
{{- if include "otelgen.ta.on" $plan -}}
{{- $ta := $spec.presets.prometheusScraping.targetAllocator -}}
{{- $name := printf "%s-targetallocator" $plan.name -}}
{{- $version := $ta.image.tag | default (printf "%s.0" (regexReplaceAll "\\.[0-9]+$" $plan.version "")) -}}
{{- $selector := include "otelgen.ta.selector" $plan | fromJson -}}
{{- $meta := dict "m" .m "version" $version -}}
{{- $configText := printf "%s\n" (include "otelgen.ta.config" (dict "plan" $plan "selector" .selector) | fromJson | toYaml) -}}
{{- $roleName := printf "%s-%s" $name $plan.namespace -}}
{{- $objects = append $objects (dict "apiVersion" "v1" "kind" "ServiceAccount" "metadata" (include "otelgen.ta.metadata" (merge (dict "name" $name) $meta) | fromJson) "automountServiceAccountToken" false) -}}
{{- $objects = append $objects (dict "apiVersion" "rbac.authorization.k8s.io/v1" "kind" "ClusterRole" "metadata" (include "otelgen.ta.metadata" (merge (dict "name" $roleName "clusterScoped" true) $meta) | fromJson) "rules" (include "otelgen.ta.rules" $plan | fromJson).v) -}}
{{- $objects = append $objects (dict "apiVersion" "rbac.authorization.k8s.io/v1" "kind" "ClusterRoleBinding" "metadata" (include "otelgen.ta.metadata" (merge (dict "name" $roleName "clusterScoped" true) $meta) | fromJson) "roleRef" (dict "apiGroup" "rbac.authorization.k8s.io" "kind" "ClusterRole" "name" $roleName) "subjects" (list (dict "kind" "ServiceAccount" "name" $name "namespace" $plan.namespace))) -}}
{{- $objects = append $objects (dict "apiVersion" "v1" "kind" "ConfigMap" "metadata" (include "otelgen.ta.metadata" (merge (dict "name" $name) $meta) | fromJson) "data" (dict $d.configKey $configText)) -}}
{{- $objects = append $objects (dict "apiVersion" "v1" "kind" "Service" "metadata" (include "otelgen.ta.metadata" (merge (dict "name" $name) $meta) | fromJson) "spec" (dict "type" "ClusterIP" "selector" $selector "ports" (list (dict "name" $d.portName "port" $d.port "targetPort" $d.portName "protocol" "TCP" "appProtocol" "http")))) -}}
{{- /* the Deployment */ -}}
{{- $resources := dict -}}
{{- range $key := list "requests" "limits" -}}
{{- $given := get $ta.resources $key | default dict -}}
{{- $values := dict -}}
{{- range $q := list "cpu" "memory" -}}{{- if get $given $q -}}{{- $_ := set $values $q (get $given $q) -}}{{- end -}}{{- end -}}
{{- $_ := set $values "ephemeral-storage" (get $data.sizing.ephemeralStorage $key) -}}
{{- if $values -}}{{- $_ := set $resources $key $values -}}{{- end -}}
{{- end -}}
{{- $env := list -}}
{{- if and $ta.resources.limits $ta.resources.limits.memory -}}
{{- $mib := div (mul (include "otelgen.mebibytes" $ta.resources.limits.memory | atoi) (int $spec.memory.gomemlimitPercentage)) 100 -}}
{{- $env = list (dict "name" $data.naming.gomemlimit "value" (printf "%dMiB" (max $mib 1))) -}}
{{- end -}}
{{- $security := merge (dict "runAsGroup" $d.runAs "runAsUser" $d.runAs) (deepCopy $data.manifests.containerSecurity) -}}
{{- $image := printf "%s:%s" ($ta.image.repository | default $d.imageRepository) $version -}}
{{- if $ta.image.digest -}}{{- $image = printf "%s@%s" $image $ta.image.digest -}}{{- end -}}
{{- $apiMount := $data.manifests.apiAccess.mount -}}
{{- $container := dict "name" $d.container "image" $image "imagePullPolicy" $ta.image.pullPolicy "args" (list (printf "--config-file=%s/%s" $d.configDir $d.configKey)) "env" $env "ports" (list (dict "name" $d.portName "containerPort" $d.port "protocol" "TCP")) "resources" $resources "securityContext" $security "volumeMounts" (list (dict "name" $d.configVolume "mountPath" $d.configDir "readOnly" true) (dict "name" $apiMount.name "mountPath" $apiMount.mount_path "readOnly" true)) -}}
{{- range $probe, $path := $d.probePaths -}}
{{- $_ := set $container $probe (merge (dict "httpGet" (dict "path" $path "port" $d.portName)) (deepCopy (get $d.probes $probe))) -}}
{{- end -}}
{{- $pod := dict "serviceAccountName" $name "automountServiceAccountToken" false "securityContext" (dict "runAsNonRoot" true "runAsUser" $d.runAs "runAsGroup" $d.runAs "fsGroup" $d.runAs "seccompProfile" (dict "type" "RuntimeDefault")) "containers" (list $container) "volumes" (list (dict "name" $d.configVolume "configMap" (dict "name" $name "items" (list (dict "key" $d.configKey "path" $d.configKey)))) (dict "name" $apiMount.name "projected" (dict "defaultMode" $data.secretFileMode "sources" $data.manifests.apiAccess.sources))) -}}
{{- $podSpec := $spec.pod -}}
{{- if $podSpec.priorityClassName -}}{{- $_ := set $pod "priorityClassName" $podSpec.priorityClassName -}}{{- end -}}
{{- if $podSpec.nodeSelector -}}{{- $_ := set $pod "nodeSelector" $podSpec.nodeSelector -}}{{- end -}}
{{- if $podSpec.tolerations -}}
{{- $tolerations := list -}}
{{- range $t := $podSpec.tolerations -}}
{{- $clean := dict -}}
{{- range $k, $v := $t -}}{{- if not (kindIs "invalid" $v) -}}{{- $_ := set $clean $k $v -}}{{- end -}}{{- end -}}
{{- $tolerations = append $tolerations $clean -}}
{{- end -}}
{{- $_ := set $pod "tolerations" $tolerations -}}
{{- end -}}
{{- if gt (int $ta.replicas) 1 -}}
{{- $term := dict "labelSelector" (dict "matchLabels" $selector) "topologyKey" $data.manifests.antiAffinityKey -}}
{{- $_ := set $pod "affinity" (dict "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" $data.manifests.antiAffinityWeight "podAffinityTerm" $term)))) -}}
{{- end -}}
{{- $template := dict "metadata" (dict "labels" $selector "annotations" (dict $data.naming.checksumAnnotation (sha256sum $configText))) "spec" $pod -}}
{{- $objects = append $objects (dict "apiVersion" "apps/v1" "kind" "Deployment" "metadata" (include "otelgen.ta.metadata" (merge (dict "name" $name) $meta) | fromJson) "spec" (dict "replicas" $ta.replicas "revisionHistoryLimit" $data.manifests.revisionHistoryLimit "selector" (dict "matchLabels" $selector) "strategy" (deepCopy $data.manifests.deploymentStrategy) "template" $template)) -}}
{{- if gt (int $ta.replicas) 1 -}}
{{- $objects = append $objects (dict "apiVersion" "policy/v1" "kind" "PodDisruptionBudget" "metadata" (include "otelgen.ta.metadata" (merge (dict "name" $name) $meta) | fromJson) "spec" (dict "maxUnavailable" 1 "selector" (dict "matchLabels" $selector))) -}}
{{- end -}}
{{- $np := $spec.networkPolicy -}}
{{- if $np.enabled -}}
{{- $port := list (dict "protocol" "TCP" "port" $d.port) -}}
{{- $dnsPeer := dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" $np.dns.namespace)) "podSelector" (dict "matchLabels" $np.dns.podLabels) -}}
{{- $apiPeers := list -}}
{{- range $c := $np.apiServer.cidrs -}}{{- $apiPeers = append $apiPeers (dict "ipBlock" (dict "cidr" $c)) -}}{{- end -}}
{{- $apiPorts := list -}}
{{- range $p := $np.apiServer.ports -}}{{- $apiPorts = append $apiPorts (dict "protocol" "TCP" "port" $p) -}}{{- end -}}
{{- $ingress := list (include "otelgen.npRule" (dict "dir" "from" "peers" (list (dict "podSelector" (dict "matchLabels" .selector))) "ports" $port) | fromJson) (include "otelgen.npRule" (dict "dir" "from" "peers" $np.metricsFrom "ports" $port) | fromJson) -}}
{{- $egress := list (include "otelgen.npRule" (dict "dir" "to" "peers" (list $dnsPeer) "ports" $data.manifests.dnsPorts) | fromJson) (include "otelgen.npRule" (dict "dir" "to" "peers" $apiPeers "ports" $apiPorts) | fromJson) -}}
{{- $objects = append $objects (dict "apiVersion" "networking.k8s.io/v1" "kind" "NetworkPolicy" "metadata" (include "otelgen.ta.metadata" (merge (dict "name" $name) $meta) | fromJson) "spec" (dict "podSelector" (dict "matchLabels" $selector) "policyTypes" (list "Ingress" "Egress") "ingress" $ingress "egress" $egress)) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}
