{{- /*
The plan (otelgen.plan.Planner): spec with defaults, presets expanded,
pipelines completed, components resolved and their declarations collected.
Input: the chart's root context. Output: JSON.
*/ -}}

{{- define "otelgen.fail" -}}
{{- fail (printf "error %s %s: %s (hint: %s)" .id .path .msg .hint) -}}
{{- end -}}

{{- define "otelgen.typeOf" -}}
{{- (splitn "/" 2 .)._0 -}}
{{- end -}}

{{- define "otelgen.plan" -}}
{{- $data := include "otelgen.data" . | fromJson -}}
{{- $name := .Release.Name -}}
{{- $namespace := .Release.Namespace -}}
{{- $mode := .Values.mode | default "gateway" -}}
{{- if not (hasKey $data.modes.traits $mode) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.mode" "msg" (printf "mode '%s' is not one of %s" $mode (join ", " $data.modes.names)) "hint" "agent (DaemonSet), gateway (Deployment), statefulset (StatefulSet) or sidecar") -}}
{{- end -}}
{{- if gt (len $name) 40 -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "metadata.name" "msg" (printf "release name '%s' is longer than 40 characters" $name) "hint" "object names get suffixes; use a shorter release name") -}}
{{- end -}}
{{- $merged := include "otelgen.merge" (dict "base" (get $data.modeDefaults $mode) "override" .Values) | fromJson -}}
{{- include "otelgen.checkLiteralCredentials" (dict "t" $data.credentials "v" $merged "path" "spec" "key" "spec") -}}
{{- if kindIs "map" $merged.pod -}}{{- include "otelgen.checkFlagCredentials" (dict "t" $data.credentials "pod" $merged.pod) -}}{{- end -}}
{{- include "otelgen.checkNulls" (dict "desc" $data.spec "value" $merged "path" "spec") -}}
{{- $spec := (include "otelgen.applyModel" (dict "desc" $data.spec "value" $merged) | fromJson).v -}}
{{- $_ := set $spec "collectorVersion" (regexReplaceAll "^v+" (toString $spec.collectorVersion) "") -}}
{{- $version := $spec.collectorVersion -}}
{{- include "otelgen.checkSpec" (dict "data" $data "spec" $spec) -}}

{{- /* ---- sections and pipelines */ -}}
{{- $sections := dict -}}
{{- range $s := $data.sections -}}
{{- $_ := set $sections $s (deepCopy (get $spec $s | default dict)) -}}
{{- end -}}
{{- $pipelines := dict -}}
{{- range $pname, $p := $spec.pipelines -}}
{{- $_ := set $pipelines $pname (dict "receivers" (concat (list) $p.receivers) "processors" (concat (list) ($p.processors | default list)) "exporters" (concat (list) $p.exporters)) -}}
{{- end -}}

{{- $state := dict "data" $data "spec" $spec "mode" $mode "name" $name "namespace" $namespace "version" $version "sections" $sections "pipelines" $pipelines -}}
{{- $_ := set $state "traits" (get $data.modes.traits $mode) -}}
{{- range $phase := list "presets" "prometheusScraping" "sizing" "autoInsert" "persistentQueue" "leaderElection" "selfScraper" -}}{{- include (printf "otelgen.plan.%s" $phase) $state -}}{{- end -}}

{{- $checks := dict "data" $data "spec" $spec "sections" $sections "pipelines" $pipelines "version" $version -}}
{{- include "otelgen.checkNames" $checks -}}
{{- include "otelgen.checkDeclarations" $checks -}}
{{- include "otelgen.checkPipelines" $checks -}}

{{- range $phase := list "components" "ports" "ephemeralStorage" -}}{{- include (printf "otelgen.plan.%s" $phase) $state -}}{{- end -}}
{{- include "otelgen.checkApi" (dict "spec" $spec "name" $name "namespace" $namespace "mode" $mode "traits" $state.traits "requests" $state.requests "limits" $state.limits "selector" (include "otelgen.selectorLabels" (dict "data" $data "name" $name "mode" $mode) | fromJson)) -}}
{{- $needs := $state.needs -}}
{{- if $state.traits.ownPods -}}{{- /* spec.rbac.rules: extra ClusterRole rules */ -}}
{{- range $r := $spec.rbac.rules -}}{{- $_ := set $needs "rbac" (append $needs.rbac (dict "apiGroups" $r.apiGroups "resources" $r.resources "verbs" $r.verbs "namespaced" false)) -}}{{- end -}}
{{- end -}}
{{- include "otelgen.checkWorkload" (dict "spec" $spec "mode" $mode "needs" $needs "data" $data) -}}
{{- $plan := dict "spec" $spec "mode" $mode "name" $name "namespace" $namespace "version" $version "instances" $state.instances "pipelines" $pipelines "connectors" $state.connectors "needs" $needs "requests" $state.requests "limits" $state.limits "gomemlimit" $state.gomemlimit "leaderElection" $state.leader "needsApi" (gt (len $needs.rbac) 0) "data" $data -}}
{{- toJson $plan -}}
{{- end -}}


{{- /* expands the presets into sections and pipelines (otelgen.presets.apply) */ -}}
{{- define "otelgen.plan.presets" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $name := .name -}}
{{- $namespace := .namespace -}}
{{- $sections := .sections -}}
{{- $pipelines := .pipelines -}}
{{- $presets := $spec.presets -}}
{{- $adds := list -}}
{{- if $presets.kubernetesAttributes.enabled -}}
{{- if not .traits.ownPods -}}
{{- include "otelgen.fail" (dict "id" "E020" "path" "spec.presets.kubernetesAttributes.enabled" "msg" "kubernetesAttributes is not for sidecars (every pod would watch the API)" "hint" "enable it on the agent or gateway the sidecar sends to") -}}
{{- end -}}
{{- $cfg := dict -}}
{{- if $presets.kubernetesAttributes.extractLabels -}}
{{- $labels := list -}}
{{- range $key := $presets.kubernetesAttributes.extractLabels -}}
{{- $labels = append $labels (dict "tag_name" (printf "k8s.pod.labels.%s" $key) "key" $key "from" "pod") -}}
{{- end -}}
{{- $_ := set $cfg "labels" $labels -}}
{{- end -}}
{{- $row := $data.inserts.pod_metadata -}}
{{- if not (hasKey $sections.processors $row.name) -}}{{- $_ := set $sections.processors $row.name $cfg -}}{{- end -}}
{{- range $pname, $p := $pipelines -}}
{{- if not (include "otelgen.plan.present" (dict "row" $row "procs" $p.processors)) -}}
{{- $_ := set $p "processors" (include "otelgen.plan.insert" (dict "data" $data "row" $row "procs" $p.processors) | fromJsonArray) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $table := $data.presets -}}
{{- range $preset := list "logsCollection" "hostMetrics" "kubeletMetrics" "clusterMetrics" "kubernetesEvents" -}}
{{- $settings := get $presets $preset -}}
{{- $row := get $table.receivers $preset -}}
{{- if $settings.enabled -}}
{{- if and $row.agentOnly (not $.traits.perNode) -}}
{{- include "otelgen.fail" (dict "id" "E020" "path" (printf "spec.presets.%s.enabled" $preset) "msg" (printf "preset %s reads node-local data and needs mode agent (got %s)" $preset $mode) "hint" "enable it in the agent spec") -}}
{{- end -}}
{{- $config := dict -}}
{{- if eq $preset "logsCollection" -}}
{{- $exclude := list -}}
{{- if not $settings.includeCollectorLogs -}}{{- $exclude = list ($table.ownLogs | replace "{namespace}" $namespace | replace "{name}" $name) -}}{{- end -}}
{{- $config = dict "exclude" $exclude "start_at" $settings.startAt "storage" $table.checkpointStorage -}}
{{- $storage := dict "directory" $table.checkpointDirectory -}}
{{- if $settings.checkpointHostPath -}}{{- $_ := set $storage "host_path" $settings.checkpointHostPath -}}{{- end -}}
{{- if not (hasKey $sections.extensions $table.checkpointStorage) -}}{{- $_ := set $sections.extensions $table.checkpointStorage $storage -}}{{- end -}}
{{- else if $settings.collectionInterval -}}
{{- $config = dict "collection_interval" $settings.collectionInterval -}}
{{- end -}}
{{- $adds = append $adds (list $row.receiver $config $row.signal $preset) -}}
{{- end -}}
{{- end -}}
{{- range $add := $adds -}}
{{- $rname := index $add 0 -}}
{{- $signal := index $add 2 -}}
{{- if not (hasKey $sections.receivers $rname) -}}{{- $_ := set $sections.receivers $rname (index $add 1) -}}{{- end -}}
{{- if not (hasKey $pipelines $signal) -}}
{{- include "otelgen.fail" (dict "id" "E020" "path" (printf "spec.presets.%s" (index $add 3)) "msg" (printf "preset %s needs a '%s' pipeline to feed" (index $add 3) $signal) "hint" (printf "add spec.pipelines.%s with the exporters that should get this data" $signal)) -}}
{{- end -}}
{{- $p := get $pipelines $signal -}}
{{- if not (has $rname $p.receivers) -}}{{- $_ := set $p "receivers" (append $p.receivers $rname) -}}{{- end -}}
{{- end -}}
{{- end -}}

{{- /* requests, limits and GOMEMLIMIT (otelgen.sizing) */ -}}
{{- define "otelgen.plan.sizing" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $res := $spec.resources -}}
{{- $size := $res.size | default (get $data.sizing.defaultSize $mode) -}}
{{- $base := get $data.sizing.sizes $size | default (dict "requests" dict "limits" dict) -}}
{{- $requests := deepCopy $base.requests -}}
{{- $limits := deepCopy $base.limits -}}
{{- $_ := set $requests "ephemeral-storage" $data.sizing.ephemeralStorage.requests -}}
{{- $_ := set $limits "ephemeral-storage" $data.sizing.ephemeralStorage.limits -}}
{{- range $pair := list (list $requests $res.requests) (list $limits $res.limits) -}}
{{- $target := index $pair 0 -}}
{{- $given := index $pair 1 -}}
{{- range $f := list (list "cpu" "cpu") (list "memory" "memory") (list "ephemeralStorage" "ephemeral-storage") -}}
{{- if hasKey $given (index $f 0) -}}{{- $_ := set $target (index $f 1) (get $given (index $f 0)) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (not $limits.memory) (not $res.allowNoMemoryLimit) -}}
{{- include "otelgen.fail" (dict "id" "E018" "path" "spec.resources.limits.memory" "msg" "no memory limit: memory_limiter and GOMEMLIMIT are derived from it, and without one the pod can use the whole node" "hint" "set resources.size (small|medium|large) or resources.limits.memory, or allowNoMemoryLimit: true") -}}
{{- end -}}
{{- $gomemlimit := "" -}}
{{- if $limits.memory -}}
{{- $mib := div (mul (include "otelgen.mebibytes" $limits.memory | atoi) (int $spec.memory.gomemlimitPercentage)) 100 -}}
{{- $gomemlimit = printf "%dMiB" (max $mib 1) -}}
{{- end -}}
{{- $_ := set $ "requests" $requests -}}
{{- $_ := set $ "limits" $limits -}}
{{- $_ := set $ "gomemlimit" $gomemlimit -}}
{{- end -}}

{{- /* the memory guard first and the batcher last in every pipeline, the health endpoint
(the planner's own inserts: $data.inserts, otelgen.planning.inserts; prepare.auto_insert) */ -}}
{{- define "otelgen.plan.autoInsert" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $sections := .sections -}}
{{- $pipelines := .pipelines -}}
{{- $guard := $data.inserts.memory_guard -}}
{{- $limiter := dict "check_interval" $data.sizing.checkInterval "limit_percentage" $spec.memory.limitPercentage "spike_limit_percentage" $spec.memory.spikeLimitPercentage -}}
{{- $wanted := list (list $guard $spec.pipelineDefaults.memoryLimiter $limiter) (list $data.inserts.batcher $spec.pipelineDefaults.batch dict) -}}
{{- range $pname, $p := $pipelines -}}
{{- $missing := list -}}
{{- range $w := $wanted -}}
{{- if and (index $w 1) (not (include "otelgen.plan.present" (dict "row" (index $w 0) "procs" $p.processors))) -}}{{- $missing = append $missing $w -}}{{- end -}}
{{- end -}}
{{- range $w := $missing -}}
{{- $row := index $w 0 -}}
{{- $_ := set $p "processors" (include "otelgen.plan.insert" (dict "data" $data "row" $row "procs" $p.processors) | fromJsonArray) -}}
{{- if not (hasKey $sections.processors $row.name) -}}{{- $_ := set $sections.processors $row.name (deepCopy (index $w 2)) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- range $key, $cfg := $sections.processors -}}
{{- if has (include "otelgen.typeOf" $key) $guard.types -}}
{{- $c := $cfg | default dict -}}
{{- $set := false -}}
{{- range $k := $guard.fillUnless -}}{{- if hasKey $c $k -}}{{- $set = true -}}{{- end -}}{{- end -}}
{{- if not $set -}}
{{- $c = merge (deepCopy $c) $limiter -}}
{{- end -}}
{{- $_ := set $sections.processors $key $c -}}
{{- end -}}
{{- end -}}
{{- $health := $data.inserts.health.name -}}
{{- if not (hasKey $sections.extensions $health) -}}{{- $_ := set $sections.extensions $health dict -}}{{- end -}}
{{- end -}}

{{- /* whether a processor list holds an insert's processor: {row, procs} → "true" or "" (inserts.present) */ -}}
{{- define "otelgen.plan.present" -}}
{{- $row := .row -}}
{{- range $x := .procs -}}
{{- if eq $row.present "name" -}}{{- if eq $x $row.name -}}true{{- end -}}
{{- else if has (include "otelgen.typeOf" $x) $row.types -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{- /* the processor list with an insert's processor at its row's position: {data, row, procs} → JSON list (inserts.insert) */ -}}
{{- define "otelgen.plan.insert" -}}
{{- $procs := .procs -}}
{{- $row := .row -}}
{{- $out := list -}}
{{- if eq $row.position "first" -}}
{{- $out = prepend $procs $row.name -}}
{{- else if eq $row.position "last" -}}
{{- $out = append $procs $row.name -}}
{{- else if hasPrefix "after:" $row.position -}}
{{- $before := get .data.inserts (trimPrefix "after:" $row.position) -}}
{{- if and $procs (has (include "otelgen.typeOf" (first $procs)) $before.types) -}}
{{- $out = concat (list (first $procs) $row.name) (rest $procs) -}}
{{- else -}}
{{- $out = prepend $procs $row.name -}}
{{- end -}}
{{- else -}}
{{- fail (printf "insert %s has no pipeline position" $row.name) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- /* the leader elector ($data.inserts.leader_elector) for single-writer receivers, added when several replicas run (prepare.leader_election) */ -}}
{{- define "otelgen.plan.leaderElection" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $sections := .sections -}}
{{- $pipelines := .pipelines -}}
{{- $single := list -}}
{{- range $rname, $_x := $sections.receivers -}}
{{- $comp := get $data.components.receivers (include "otelgen.typeOf" $rname) -}}
{{- if and $comp $comp.declaration.single_writer -}}
{{- range $p := $pipelines -}}{{- if has $rname $p.receivers -}}{{- $single = append $single $rname -}}{{- end -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- $leader := "" -}}
{{- if $single -}}
{{- if not $.traits.ownPods -}}
{{- include "otelgen.fail" (dict "id" "E019" "path" (printf "spec.receivers.%s" (first $single)) "msg" (printf "%s must have one writer, but a sidecar runs once per app pod" (first $single)) "hint" "run it in the gateway") -}}
{{- end -}}
{{- $several := include "otelgen.several" (dict "traits" $.traits "spec" $spec) -}}
{{- $elector := $data.inserts.leader_elector -}}
{{- range $ename, $_x := $sections.extensions -}}
{{- if and (not $leader) (has (include "otelgen.typeOf" $ename) $elector.types) -}}{{- $leader = $ename -}}{{- end -}}
{{- end -}}
{{- if and (not $leader) $several -}}
{{- $_ := set $sections.extensions $elector.name dict -}}
{{- $leader = $elector.name -}}
{{- end -}}
{{- end -}}
{{- $_ := set $ "leader" $leader -}}
{{- end -}}

{{- /* the instances the pipelines use, built, with their declarations (Planner._used, _parse_all, _collect_needs) */ -}}
{{- define "otelgen.plan.components" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $name := .name -}}
{{- $namespace := .namespace -}}
{{- $version := .version -}}
{{- $sections := .sections -}}
{{- $pipelines := .pipelines -}}
{{- $leader := .leader -}}
{{- $connectors := keys $sections.connectors -}}
{{- $referenced := dict -}}
{{- range $p := $pipelines -}}
{{- range $role := list "receivers" "processors" "exporters" -}}
{{- range $ref := get $p $role -}}
{{- $sec := $role -}}
{{- if and (ne $role "processors") (has $ref $connectors) -}}{{- $sec = "connectors" -}}{{- end -}}
{{- $_ := set $referenced (printf "%s %s" $sec $ref) true -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* ---- components: parse, build, declare; sorted by (section, name) like Planner._collect_needs */ -}}
{{- $serverTls := dict -}}
{{- if $spec.tls -}}
{{- $serverTls = dict "cert_file" (printf "%s/tls.crt" $data.paths.serverTlsDir) "key_file" (printf "%s/tls.key" $data.paths.serverTlsDir) -}}
{{- if $spec.tls.clientCA -}}{{- $_ := set $serverTls "client_ca_file" (printf "%s/ca.crt" $data.paths.clientCaDir) -}}{{- end -}}
{{- end -}}
{{- $bindHost := $data.paths.podIP -}}
{{- if .traits.bindLocalhost -}}{{- $bindHost = "localhost" -}}{{- end -}}
{{- $consts := dict "udpBindHost" $data.declare.udpBindHost "clientTlsDir" $data.declare.clientTlsDir "envPrefix" $data.naming.envPrefix -}}
{{- $instances := list -}}
{{- $needs := dict "ports" list "rbac" list "env" list "mounts" list "egress" list "kubelet" false "scrapePods" false -}}
{{- range $section := $data.sections -}}
{{- $entries := get $sections $section -}}
{{- range $iname := keys $entries | sortAlpha -}}
{{- $raw := get $entries $iname | default dict -}}
{{- if or (eq $section "extensions") (hasKey $referenced (printf "%s %s" $section $iname)) -}}
{{- $type := include "otelgen.typeOf" $iname -}}
{{- $parts := splitn "/" 2 $iname -}}
{{- $suffix := index $parts "_1" -}}
{{- $comp := get (get $data.components $section) $type -}}
{{- include "otelgen.checkExtensionRefs" (dict "data" $data "sections" $sections "section" $section "name" $iname "cfg" $raw) -}}
{{- $inst := dict "section" $section "name" $iname -}}
{{- $rendered := $type -}}
{{- if $comp -}}
{{- $rendered = include "otelgen.typeName" (dict "names" $comp.names "version" $version) -}}
{{- $cfg := (include "otelgen.applyModel" (dict "desc" $comp.model "value" (include "otelgen.reshape" (dict "decl" $comp.declaration "raw" $raw) | fromJson).v) | fromJson).v -}}
{{- $ctx := dict "mode" $mode "instance" $iname "bind_host" $bindHost "pod_host" $data.paths.podIP "server_tls" $serverTls "leader_election" $leader "namespace" $namespace "name" $name "telemetry_port" $spec.telemetry.metricsPort "self_scrape" (eq $iname $.selfScraper) -}}
{{- $built := include "otelgen.interpret" (dict "cfg" $cfg "ctx" $ctx "decl" $comp.declaration "consts" $consts) | fromJson -}}
{{- if $cfg.extra -}}{{- include "otelgen.checkDerivedOverrides" (dict "base" $built.config "extra" $cfg.extra "path" (printf "spec.%s.%s.extra" $section $iname) "ctx" $ctx "envPrefix" $data.naming.envPrefix) -}}{{- end -}}
{{- $_ := set $inst "config" (include "otelgen.merge" (dict "base" $built.config "override" ($cfg.extra | default dict)) | fromJson) -}}
{{- range $p := $built.ports | default list -}}{{- $_ := set $p "owner" (printf "%s.%s" $section $iname) -}}{{- end -}}
{{- range $k := list "ports" "rbac" "env" "mounts" "egress" -}}
{{- $_ := set $needs $k (concat (get $needs $k) (get $built $k | default list)) -}}
{{- end -}}
{{- if $built.kubelet -}}{{- $_ := set $needs "kubelet" true -}}{{- end -}}
{{- if $built.scrapePods -}}{{- $_ := set $needs "scrapePods" true -}}{{- end -}}
{{- else -}}
{{- $ctx := dict "instance" $iname "bindHost" $bindHost -}}
{{- $wired := include "otelgen.unmodelled" (dict "listener" (get (get $data.declare.unmodelled $section | default dict) $type) "raw" $raw "ctx" $ctx "owner" (printf "%s.%s" $section $iname)) | fromJson -}}
{{- $_ := set $inst "config" $wired.config -}}
{{- $_ := set $needs "ports" (concat $needs.ports $wired.ports) -}}
{{- end -}}
{{- $declared := get (get ($spec.declarations | default dict) $section | default dict) $iname -}}
{{- if $declared -}}
{{- $d := include "otelgen.declared" (dict "d" $declared "owner" (printf "%s.%s" $section $iname) "instance" $iname) | fromJson -}}
{{- range $k := list "ports" "rbac" "mounts" "egress" -}}
{{- $_ := set $needs $k (concat (get $needs $k) (get $d $k)) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $inst "renderedId" (ternary (printf "%s/%s" $rendered $suffix) $rendered (ne $suffix "")) -}}
{{- $instances = append $instances $inst -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $_ := set $ "connectors" $connectors -}}
{{- $_ := set $ "instances" $instances -}}
{{- $_ := set $ "needs" $needs -}}
{{- end -}}

{{- /* ports unique by number/protocol and name; env and mounts unique by name, first wins (Planner._collect_needs) */ -}}
{{- define "otelgen.plan.ports" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $needs := .needs -}}
{{- $telemetry := dict "owner" "telemetry.metricsPort" "name" $data.naming.telemetryPort "port" $spec.telemetry.metricsPort "protocol" "TCP" "appProtocol" "http" "service" true "ingress" false -}}
{{- $ports := list -}}
{{- $portOwner := dict -}}
{{- $nameOwner := dict -}}
{{- range $p := append $needs.ports $telemetry -}}
{{- $key := printf "%d/%s" (int $p.port) $p.protocol -}}
{{- $path := printf "spec.%s" $p.owner -}}
{{- if hasKey $portOwner $key -}}
{{- include "otelgen.fail" (dict "id" "E014" "path" $path "msg" (printf "port %s is already used by %s" $key (get $portOwner $key)) "hint" "give one of them another port") -}}
{{- end -}}
{{- if hasKey $nameOwner $p.name -}}
{{- include "otelgen.fail" (dict "id" "E014" "path" $path "msg" (printf "port name '%s' is already used by %s" $p.name (get $nameOwner $p.name)) "hint" "rename one of the component instances") -}}
{{- end -}}
{{- $_ := set $portOwner $key $p.owner -}}
{{- $_ := set $nameOwner $p.name $p.owner -}}
{{- $ports = append $ports $p -}}
{{- end -}}
{{- $_ := set $needs "ports" $ports -}}
{{- range $k := list "env" "mounts" -}}
{{- $seen := dict -}}
{{- $unique := list -}}
{{- range $x := get $needs $k -}}
{{- if not (hasKey $seen $x.name) -}}{{- $_ := set $seen $x.name true -}}{{- $unique = append $unique $x -}}{{- end -}}
{{- end -}}
{{- $_ := set $needs $k $unique -}}
{{- end -}}
{{- end -}}


{{- /* An unmodelled component's known listener (otelgen.components.unmodelled.wire):
{listener, raw, ctx, owner} → {config, ports} */ -}}
{{- define "otelgen.unmodelled" -}}
{{- $l := .listener -}}
{{- $config := deepCopy .raw -}}
{{- $ports := list -}}
{{- if $l -}}
{{- $protocol := $l.protocol -}}
{{- $t := "" -}}
{{- if and $l.transportKey (hasKey $config $l.transportKey) -}}{{- $t = get $config $l.transportKey -}}{{- end -}}
{{- if and $l.transportKey (hasKey $config $l.transportKey) (kindIs "string" $t) -}}{{- $protocol = ternary "UDP" "TCP" (has (lower $t) $l.udpValues) -}}{{- end -}}
{{- $address := "" -}}{{- if hasKey $config $l.key -}}{{- $address = get $config $l.key -}}{{- end -}}
{{- $port := $l.port -}}
{{- if and (kindIs "string" $address) $address -}}
{{- $given := (include "otelgen.endpointPort" (ternary $address (printf "x:%s" $address) (contains ":" $address)) | fromJson).v -}}
{{- if $given -}}{{- $port = $given -}}{{- end -}}
{{- else -}}
{{- $host := ternary $l.udpBindHost .ctx.bindHost (and (eq $protocol "UDP") (ne .ctx.bindHost "localhost")) -}}
{{- $_ := set $config $l.key (printf "%s:%d" $host (int $port)) -}}
{{- end -}}
{{- $suffix := index (splitn "/" 2 .ctx.instance) "_1" -}}
{{- $name := ternary (printf "%s-%s" $l.short $suffix) $l.short (ne (toString $suffix) "") | trunc 15 | trimSuffix "-" | lower -}}
{{- $ports = list (dict "name" $name "port" $port "protocol" $protocol "appProtocol" nil "service" true "ingress" true "owner" .owner) -}}
{{- end -}}
{{- toJson (dict "config" $config "ports" $ports) -}}
{{- end -}}

{{- /* spec.declarations of one component (plan._declare): {d, owner, instance} → {ports, rbac, mounts, egress} */ -}}
{{- define "otelgen.declared" -}}
{{- $out := dict "ports" list "rbac" list "mounts" list "egress" list -}}
{{- range $p := .d.ports | default list -}}
{{- $service := ternary true $p.service (kindIs "invalid" $p.service) -}}
{{- $_ := set $out "ports" (append $out.ports (dict "name" $p.name "port" $p.port "protocol" ($p.protocol | default "TCP") "appProtocol" nil "service" $service "ingress" $service "owner" $.owner)) -}}
{{- end -}}
{{- range $r := .d.rbac | default list -}}
{{- $_ := set $out "rbac" (append $out.rbac (dict "apiGroups" $r.apiGroups "resources" $r.resources "verbs" $r.verbs "namespaced" (default false $r.namespaced))) -}}
{{- end -}}
{{- range $e := .d.egress | default list -}}
{{- $_ := set $out "egress" (append $out.egress (dict "port" $e.port "protocol" ($e.protocol | default "TCP") "reason" (printf "exporter %s" $.instance))) -}}
{{- end -}}
{{- range $v := .d.volumes | default list -}}
{{- $m := dict "name" $v.name "mount_path" $v.mountPath "read_only" (ternary true $v.readOnly (kindIs "invalid" $v.readOnly)) -}}
{{- if $v.hostPath -}}{{- $_ := set $m "host_path" $v.hostPath -}}{{- $_ := set $m "host_path_type" "Directory" -}}{{- end -}}
{{- if $v.emptyDirMib -}}{{- $_ := set $m "empty_dir_mib" $v.emptyDirMib -}}{{- end -}}
{{- $_ := set $out "mounts" (append $out.mounts $m) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
