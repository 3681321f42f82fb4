{{- /*
One builder per component with logic of its own (otelgen.components.*):
input {cfg (pydantic defaults applied), ctx, decl (declarations from Python)};
output JSON {config, ports, rbac, env, mounts, egress, kubelet}.
Components without a builder here render their settings as given
("otelgen.build.generic"), like Component.build() in Python.
*/ -}}

{{- define "otelgen.build.generic" -}}
{{- toJson (dict "config" (omit .cfg "extra")) -}}
{{- end -}}

{{- define "otelgen.serverTls" -}}
{{- if .serverTls -}}{{- toJson (dict "tls" .serverTls) -}}{{- else -}}{}{{- end -}}
{{- end -}}

{{- /* _Listener.listen_port: the endpoint's port, else port: {v} */ -}}
{{- define "otelgen.listenPort" -}}
{{- $port := .port -}}
{{- if .endpoint -}}
{{- $p := (include "otelgen.endpointPort" (ternary .endpoint (printf "x:%s" .endpoint) (contains ":" .endpoint)) | fromJson).v -}}
{{- if $p -}}{{- $port = $p -}}{{- end -}}
{{- end -}}
{{- toJson (dict "v" $port) -}}
{{- end -}}

{{- define "otelgen.port" -}}
{{- toJson (dict "name" (include "otelgen.portName" (dict "instance" .ctx.instance "short" .short)) "port" .port "protocol" .protocol "appProtocol" .app "service" true "ingress" true) -}}
{{- end -}}

{{- /* ------------------------------------------------------------ receivers */ -}}

{{- define "otelgen.build.otlp.receivers" -}}
{{- $ctx := .ctx -}}
{{- $protocols := dict -}}
{{- $ports := list -}}
{{- $grpc := .cfg.protocols.grpc -}}
{{- $http := .cfg.protocols.http -}}
{{- if $grpc.enabled -}}
{{- $g := merge (dict "endpoint" ($grpc.endpoint | default (printf "%s:%d" $ctx.bindHost (int $grpc.port)))) (include "otelgen.serverTls" $ctx | fromJson) -}}
{{- if $grpc.max_recv_msg_size_mib -}}{{- $_ := set $g "max_recv_msg_size_mib" $grpc.max_recv_msg_size_mib -}}{{- end -}}
{{- $_ := set $protocols "grpc" $g -}}
{{- $ports = append $ports (include "otelgen.port" (dict "ctx" $ctx "short" "otlp-grpc" "port" (include "otelgen.listenPort" $grpc | fromJson).v "protocol" "TCP" "app" "grpc") | fromJson) -}}
{{- end -}}
{{- if $http.enabled -}}
{{- $_ := set $protocols "http" (merge (dict "endpoint" ($http.endpoint | default (printf "%s:%d" $ctx.bindHost (int $http.port)))) (include "otelgen.serverTls" $ctx | fromJson)) -}}
{{- $ports = append $ports (include "otelgen.port" (dict "ctx" $ctx "short" "otlp-http" "port" (include "otelgen.listenPort" $http | fromJson).v "protocol" "TCP" "app" "http") | fromJson) -}}
{{- end -}}
{{- toJson (dict "config" (dict "protocols" $protocols) "ports" $ports) -}}
{{- end -}}

{{- define "otelgen.build.jaeger.receivers" -}}
{{- $ctx := .ctx -}}
{{- $cfg := .cfg -}}
{{- $protocols := dict -}}
{{- $ports := list -}}
{{- range $row := .decl.jaeger.protocols -}}
{{- $proto := index $row 0 -}}
{{- $l := get $cfg.protocols $proto -}}
{{- if and $l $l.enabled -}}
{{- $host := $ctx.bindHost -}}
{{- if and (eq (index $row 2) "UDP") (ne $ctx.bindHost "localhost") -}}{{- $host = $.decl.jaeger.udpBindHost -}}{{- end -}}
{{- $entry := dict "endpoint" ($l.endpoint | default (printf "%s:%d" $host (int $l.port))) -}}
{{- if has $proto (list "grpc" "thrift_http") -}}{{- $entry = merge $entry (include "otelgen.serverTls" $ctx | fromJson) -}}{{- end -}}
{{- $_ := set $protocols $proto $entry -}}
{{- $ports = append $ports (include "otelgen.port" (dict "ctx" $ctx "short" (index $row 1) "port" (include "otelgen.listenPort" $l | fromJson).v "protocol" (index $row 2) "app" (index $row 3)) | fromJson) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "config" (dict "protocols" $protocols) "ports" $ports) -}}
{{- end -}}

{{- define "otelgen.build.zipkin.receivers" -}}
{{- $config := merge (dict "endpoint" (.cfg.endpoint | default (printf "%s:%d" .ctx.bindHost (int .cfg.port)))) (include "otelgen.serverTls" .ctx | fromJson) -}}
{{- toJson (dict "config" $config "ports" (list (include "otelgen.port" (dict "ctx" .ctx "short" "zipkin" "port" (include "otelgen.listenPort" .cfg | fromJson).v "protocol" "TCP" "app" "http") | fromJson))) -}}
{{- end -}}

{{- define "otelgen.build.prometheus.receivers" -}}
{{- $c := .cfg -}}
{{- $jobs := list -}}
{{- if and $c.self_scrape .ctx.selfScrape -}}
{{- $jobs = append $jobs (merge (dict "scrape_interval" $c.scrape_interval "static_configs" (list (dict "targets" (list (printf "%s:%d" .ctx.podHost (int .ctx.metricsPort)))))) (deepCopy .decl.prometheus.selfScrape)) -}}
{{- end -}}
{{- $userJobs := concat (($c.config | default dict).scrape_configs | default list) ($c.scrape_configs | default list) -}}
{{- $jobs = concat $jobs $userJobs -}}
{{- $out := dict -}}
{{- if or $jobs (not (kindIs "invalid" $c.config)) -}}
{{- $_ := set $out "config" (merge (dict "scrape_configs" $jobs) (omit ($c.config | default dict) "scrape_configs")) -}}
{{- end -}}
{{- range $key := list "target_allocator" "trim_metric_suffixes" "use_start_time_metric" "start_time_metric_regex" "report_extra_scrape_metrics" "api_server" -}}
{{- if and (hasKey $c $key) (not (kindIs "invalid" (get $c $key))) -}}{{- $_ := set $out $key (get $c $key) -}}{{- end -}}
{{- end -}}
{{- /* kubernetes_sd_configs → RBAC for the roles (PrometheusReceiver.needs) */ -}}
{{- $cluster := list -}}
{{- $own := list -}}
{{- range $job := $userJobs -}}
{{- range $sd := $job.kubernetes_sd_configs | default list -}}
{{- if and (kindIs "map" $sd) (not $sd.api_server) (not $sd.kubeconfig_file) -}}
{{- $ns := $sd.namespaces | default dict -}}
{{- if not (kindIs "map" $ns) -}}{{- $ns = dict -}}{{- end -}}
{{- range $pair := get $.decl.prometheus.sdRoles (lower (toString $sd.role)) | default list -}}
{{- $key := printf "%s/%s" (index $pair 0) (index $pair 1) -}}
{{- if and $ns.own_namespace (not $ns.names) -}}{{- $own = append $own $key -}}{{- else -}}{{- $cluster = append $cluster $key -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $rbac := list -}}
{{- $cluster = $cluster | uniq -}}
{{- $ownOnly := list -}}
{{- range $k := $own | uniq -}}{{- if not (has $k $cluster) -}}{{- $ownOnly = append $ownOnly $k -}}{{- end -}}{{- end -}}
{{- range $set := list (list $cluster false) (list $ownOnly true) -}}
{{- $keys := index $set 0 -}}
{{- $groups := list -}}
{{- range $k := $keys -}}{{- $groups = append $groups (index (splitList "/" $k) 0) -}}{{- end -}}
{{- range $g := $groups | uniq | sortAlpha -}}
{{- $resources := list -}}
{{- range $k := $keys -}}{{- $parts := splitList "/" $k -}}{{- if eq (index $parts 0) $g -}}{{- $resources = append $resources (index $parts 1) -}}{{- end -}}{{- end -}}
{{- $rbac = append $rbac (dict "apiGroups" (list $g) "resources" ($resources | sortAlpha) "verbs" (list "get" "list" "watch") "namespaced" (index $set 1)) -}}
{{- end -}}
{{- end -}}
{{- /* env vars from the downward API that the jobs or the target allocator settings name; discovered (or allocated) targets are pods */ -}}
{{- $env := list -}}
{{- $text := toJson (dict "jobs" $userJobs "ta" $c.target_allocator) -}}
{{- range $e := .decl.prometheus.downwardEnv -}}{{- if contains (printf "${env:%s}" $e.name) $text -}}{{- $env = append $env $e -}}{{- end -}}{{- end -}}
{{- toJson (dict "config" $out "rbac" $rbac "env" $env "scrapePods" (or (gt (len (concat $cluster $ownOnly)) 0) (not (empty $c.target_allocator)))) -}}
{{- end -}}

{{- define "otelgen.build.file_log.receivers" -}}
{{- $cfg := omit .cfg "extra" "parse_container_logs" "operators" -}}
{{- if not $cfg.exclude -}}{{- $cfg = omit $cfg "exclude" -}}{{- end -}}
{{- $operators := list -}}
{{- if .cfg.parse_container_logs -}}{{- $operators = append $operators .decl.file_log.containerParser -}}{{- end -}}
{{- $operators = concat $operators .cfg.operators -}}
{{- if $operators -}}{{- $_ := set $cfg "operators" $operators -}}{{- end -}}
{{- toJson (dict "config" $cfg "mounts" .decl.file_log.mounts) -}}
{{- end -}}

{{- define "otelgen.build.hostmetrics.receivers" -}}
{{- $scrapers := deepCopy .cfg.scrapers -}}
{{- if and (hasKey $scrapers "filesystem") (not $scrapers.filesystem) -}}
{{- $_ := set $scrapers "filesystem" .decl.hostmetrics.filesystem -}}
{{- end -}}
{{- $mount := merge (dict "mount_path" .cfg.root_path) (index .decl.hostmetrics.mounts 0) -}}
{{- toJson (dict "config" (dict "collection_interval" .cfg.collection_interval "root_path" .cfg.root_path "scrapers" $scrapers) "mounts" (list $mount)) -}}
{{- end -}}

{{- define "otelgen.build.kubelet_stats.receivers" -}}
{{- $rbac := list -}}
{{- if eq .cfg.auth_type "serviceAccount" -}}{{- $rbac = .decl.kubelet_stats.rules -}}{{- end -}}
{{- toJson (dict "config" (omit .cfg "extra") "rbac" $rbac "env" .decl.kubelet_stats.env "kubelet" true) -}}
{{- end -}}

{{- define "otelgen.leaderElected" -}}
{{- $cfg := omit .cfg "extra" -}}
{{- if .ctx.leaderElection -}}{{- $_ := set $cfg "k8s_leader_elector" .ctx.leaderElection -}}{{- end -}}
{{- toJson $cfg -}}
{{- end -}}

{{- define "otelgen.build.k8s_cluster.receivers" -}}
{{- toJson (dict "config" (include "otelgen.leaderElected" . | fromJson) "rbac" .decl.k8s_cluster.rules) -}}
{{- end -}}

{{- define "otelgen.build.k8s_objects.receivers" -}}
{{- $decl := .decl -}}
{{- $rules := list -}}
{{- range $obj := .cfg.objects -}}
{{- $rules = append $rules (dict "apiGroups" (list ($obj.group | default "")) "resources" (list $obj.name) "verbs" (get $decl.k8s_objects.verbs $obj.mode) "namespaced" false) -}}
{{- end -}}
{{- toJson (dict "config" (include "otelgen.leaderElected" . | fromJson) "rbac" $rules) -}}
{{- end -}}

{{- define "otelgen.build.k8s_events.receivers" -}}
{{- $cfg := include "otelgen.leaderElected" . | fromJson -}}
{{- if not $cfg.namespaces -}}{{- $cfg = omit $cfg "namespaces" -}}{{- end -}}
{{- toJson (dict "config" $cfg "rbac" .decl.k8s_events.rules) -}}
{{- end -}}

{{- /* ------------------------------------------------------------ processors */ -}}

{{- define "otelgen.build.k8s_attributes.processors" -}}
{{- $cfg := .cfg -}}
{{- $decl := .decl.k8s_attributes -}}
{{- $out := dict "auth_type" $cfg.auth_type "passthrough" $cfg.passthrough -}}
{{- if $cfg.passthrough -}}
{{- toJson (dict "config" $out) -}}
{{- else -}}
{{- $nodeFiltered := eq .ctx.mode "agent" -}}
{{- if not (kindIs "invalid" $cfg.filter_by_node) -}}{{- $nodeFiltered = $cfg.filter_by_node -}}{{- end -}}
{{- if $nodeFiltered -}}{{- $_ := set $out "filter" $decl.nodeFilter -}}{{- end -}}
{{- $extract := dict "metadata" $cfg.metadata -}}
{{- if $cfg.labels -}}{{- $_ := set $extract "labels" $cfg.labels -}}{{- end -}}
{{- if $cfg.annotations -}}{{- $_ := set $extract "annotations" $cfg.annotations -}}{{- end -}}
{{- $_ := set $out "extract" $extract -}}
{{- if not (kindIs "invalid" $cfg.pod_association) -}}
{{- $_ := set $out "pod_association" $cfg.pod_association -}}
{{- else -}}
{{- $_ := set $out "pod_association" (get $decl.podAssociation .ctx.mode) -}}
{{- end -}}
{{- $rules := $decl.rules -}}
{{- $deployment := false -}}
{{- $node := false -}}
{{- range $m := $cfg.metadata -}}
{{- if has $m $decl.deploymentMetadata -}}{{- $deployment = true -}}{{- end -}}
{{- if and (hasPrefix "k8s.node." $m) (ne $m "k8s.node.name") -}}{{- $node = true -}}{{- end -}}
{{- end -}}
{{- if $deployment -}}{{- $rules = concat $rules $decl.deploymentRules -}}{{- end -}}
{{- if $node -}}{{- $rules = concat $rules $decl.nodeRules -}}{{- end -}}
{{- $env := list -}}
{{- if $nodeFiltered -}}{{- $env = $decl.nodeEnv -}}{{- end -}}
{{- toJson (dict "config" $out "rbac" $rules "env" $env) -}}
{{- end -}}
{{- end -}}

{{- define "otelgen.build.resourcedetection.processors" -}}
{{- $out := dict "config" (omit .cfg "extra") -}}
{{- $decl := .decl.resourcedetection -}}
{{- $wants := false -}}
{{- range $d := .cfg.detectors -}}{{- if has $d $decl.detectors -}}{{- $wants = true -}}{{- end -}}{{- end -}}
{{- if $wants -}}{{- $_ := set $out "rbac" $decl.rules -}}{{- $_ := set $out "env" $decl.env -}}{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- /* ------------------------------------------------------------ exporters */ -}}

{{- /* ClientTLS.render: {tls, ctx} → {tls (may be empty), mounts} */ -}}
{{- define "otelgen.clientTls" -}}
{{- $t := .tls -}}
{{- $out := dict -}}
{{- $mounts := list -}}
{{- if $t.insecure -}}
{{- $out = dict "insecure" true -}}
{{- else -}}
{{- $base := printf "%s/%s" .decl.clientTls.dir (include "otelgen.mountSlug" .ctx.instance) -}}
{{- if $t.ca_secret -}}
{{- $mounts = append $mounts (dict "name" (include "otelgen.volumeName" (dict "prefix" "ca" "instance" .ctx.instance)) "mount_path" (printf "%s/ca" $base) "read_only" true "secret_name" $t.ca_secret.name "secret_items" (list (list $t.ca_secret.key "ca.crt"))) -}}
{{- $_ := set $out "ca_file" (printf "%s/ca/ca.crt" $base) -}}
{{- end -}}
{{- if $t.cert_secret -}}
{{- $mounts = append $mounts (dict "name" (include "otelgen.volumeName" (dict "prefix" "cert" "instance" .ctx.instance)) "mount_path" (printf "%s/client" $base) "read_only" true "secret_name" $t.cert_secret "secret_items" (list (list "tls.crt" "tls.crt") (list "tls.key" "tls.key"))) -}}
{{- $_ := set $out "cert_file" (printf "%s/client/tls.crt" $base) -}}
{{- $_ := set $out "key_file" (printf "%s/client/tls.key" $base) -}}
{{- end -}}
{{- if $t.insecure_skip_verify -}}{{- $_ := set $out "insecure_skip_verify" true -}}{{- end -}}
{{- if $t.server_name_override -}}{{- $_ := set $out "server_name_override" $t.server_name_override -}}{{- end -}}
{{- end -}}
{{- toJson (dict "tls" $out "mounts" $mounts) -}}
{{- end -}}

{{- /* A secret reference as ${env:VAR} text plus the env var: {value, ctx, parts} */ -}}
{{- define "otelgen.secretEnv" -}}
{{- $name := include "otelgen.envName" (dict "prefix" .decl.envPrefix "instance" .ctx.instance "parts" .parts) -}}
{{- toJson (dict "text" (printf "%s${env:%s}" (.value.prefix | default "") $name) "env" (dict "name" $name "secret" .value.secretRef)) -}}
{{- end -}}

{{- define "otelgen.networkExporter" -}}
{{- $c := .cfg -}}
{{- $ctx := .ctx -}}
{{- $cfg := dict -}}
{{- $endpointKeys := .endpointKeys | default (list "endpoint") -}}
{{- range $k := $endpointKeys -}}{{- if get $c $k -}}{{- $_ := set $cfg $k (get $c $k) -}}{{- end -}}{{- end -}}
{{- $tls := include "otelgen.clientTls" (dict "tls" $c.tls "ctx" $ctx "decl" $.decl) | fromJson -}}
{{- if $tls.tls -}}{{- $_ := set $cfg "tls" $tls.tls -}}{{- end -}}
{{- $env := list -}}
{{- $headers := dict -}}
{{- range $name, $value := $c.headers -}}
{{- if kindIs "map" $value -}}
{{- $s := include "otelgen.secretEnv" (dict "value" $value "ctx" $ctx "decl" $.decl "parts" (list "HEADER" $name)) | fromJson -}}
{{- $env = append $env $s.env -}}
{{- $_ := set $headers $name $s.text -}}
{{- else -}}
{{- $_ := set $headers $name $value -}}
{{- end -}}
{{- end -}}
{{- if $headers -}}{{- $_ := set $cfg "headers" $headers -}}{{- end -}}
{{- range $key := list "compression" "timeout" "sending_queue" "retry_on_failure" -}}
{{- if hasKey $c $key -}}{{- $_ := set $cfg $key (get $c $key) -}}{{- end -}}
{{- end -}}
{{- $auth := deepCopy ($c.auth | default dict) -}}
{{- if $c.authenticator -}}{{- $_ := set $auth "authenticator" $c.authenticator -}}{{- end -}}
{{- if $auth -}}{{- $_ := set $cfg "auth" $auth -}}{{- end -}}
{{- $ports := list -}}
{{- if $c.egress_port -}}{{- $ports = list $c.egress_port -}}{{- else -}}
{{- range $k := $endpointKeys -}}{{- if get $c $k -}}{{- $ports = append $ports (include "otelgen.endpointPort" (get $c $k) | fromJson).v -}}{{- end -}}{{- end -}}
{{- end -}}
{{- $egress := list -}}
{{- $seen := list -}}
{{- range $p := $ports -}}
{{- $key := toString $p -}}
{{- if not (has $key $seen) -}}
{{- $seen = append $seen $key -}}
{{- $egress = append $egress (dict "port" $p "protocol" "TCP" "reason" (printf "exporter %s" $ctx.instance)) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "config" $cfg "mounts" $tls.mounts "env" $env "egress" $egress) -}}
{{- end -}}

{{- define "otelgen.build.otlp.exporters" -}}
{{- $out := include "otelgen.networkExporter" . | fromJson -}}
{{- if .cfg.balancer_name -}}{{- $_ := set $out.config "balancer_name" .cfg.balancer_name -}}{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- define "otelgen.build.otlp_http.exporters" -}}
{{- $out := include "otelgen.networkExporter" (merge (dict "endpointKeys" (list "endpoint" "traces_endpoint" "metrics_endpoint" "logs_endpoint" "profiles_endpoint")) .) | fromJson -}}
{{- if .cfg.encoding -}}{{- $_ := set $out.config "encoding" .cfg.encoding -}}{{- end -}}
{{- if .cfg.tls.insecure -}}{{- $_ := set $out "config" (omit $out.config "tls") -}}{{- end -}}
{{- if .cfg.encoding -}}{{- $_ := set $out.config "encoding" .cfg.encoding -}}{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- define "otelgen.build.file.exporters" -}}
{{- $mount := dict "name" (include "otelgen.volumeName" (dict "prefix" "file" "instance" .ctx.instance)) "mount_path" (dir .cfg.path) "read_only" false "empty_dir_mib" .cfg.size_limit_mib -}}
{{- toJson (dict "config" (omit .cfg "extra" "size_limit_mib") "mounts" (list $mount)) -}}
{{- end -}}

{{- define "otelgen.build.loadbalancing.exporters" -}}
{{- $ctx := .ctx -}}
{{- $otlp := dict -}}
{{- $tls := include "otelgen.clientTls" (dict "tls" .cfg.tls "ctx" $ctx "decl" .decl) | fromJson -}}
{{- if $tls.tls -}}{{- $_ := set $otlp "tls" $tls.tls -}}{{- end -}}
{{- if .cfg.timeout -}}{{- $_ := set $otlp "timeout" .cfg.timeout -}}{{- end -}}
{{- $r := .cfg.resolver -}}
{{- $ports := list -}}
{{- $rbac := list -}}
{{- if $r.dns -}}{{- $ports = list $r.dns.port -}}
{{- else if $r.k8s -}}{{- $ports = $r.k8s.ports -}}{{- $rbac = .decl.loadbalancing.k8sRules -}}
{{- else if $r.static -}}
{{- range $h := $r.static.hostnames -}}
{{- $p := (include "otelgen.endpointPort" $h | fromJson).v | default 4317 -}}
{{- if not (has $p $ports) -}}{{- $ports = append $ports $p -}}{{- end -}}
{{- end -}}
{{- if not $ports -}}{{- $ports = list 4317 -}}{{- end -}}
{{- else -}}{{- $ports = list $r.aws_cloud_map.port -}}
{{- end -}}
{{- $egress := list -}}
{{- range $p := $ports -}}{{- $egress = append $egress (dict "port" $p "protocol" "TCP" "reason" (printf "exporter %s" $ctx.instance)) -}}{{- end -}}
{{- if $r.dns -}}{{- /* the collector decodes the dns resolver's port as a string */ -}}
{{- $r = deepCopy $r -}}{{- $_ := set $r.dns "port" (toString $r.dns.port) -}}
{{- end -}}
{{- $protocol := include "otelgen.merge" (dict "base" (dict "otlp" $otlp) "override" (.cfg.protocol | default dict)) | fromJson -}}
{{- $config := dict "routing_key" .cfg.routing_key "protocol" $protocol "resolver" $r -}}
{{- if and (hasKey .cfg "routing_attributes") (not (kindIs "invalid" .cfg.routing_attributes)) -}}{{- $_ := set $config "routing_attributes" .cfg.routing_attributes -}}{{- end -}}
{{- toJson (dict "config" $config "mounts" $tls.mounts "egress" $egress "rbac" $rbac) -}}
{{- end -}}

{{- /* ------------------------------------------------------------ extensions */ -}}

{{- define "otelgen.localPort" -}}
{{- toJson (dict "name" .name "port" .port "protocol" "TCP" "appProtocol" "http" "service" false "ingress" false) -}}
{{- end -}}

{{- define "otelgen.build.health_check.extensions" -}}
{{- toJson (dict "config" (dict "endpoint" (printf "%s:%d" .ctx.podHost (int .cfg.port)) "path" .cfg.path) "ports" (list (include "otelgen.localPort" (dict "name" .decl.healthPort "port" .cfg.port) | fromJson))) -}}
{{- end -}}

{{- define "otelgen.build.pprof.extensions" -}}
{{- toJson (dict "config" (dict "endpoint" (printf "%s:%d" .ctx.podHost (int .cfg.port))) "ports" (list (include "otelgen.localPort" (dict "name" "pprof" "port" .cfg.port) | fromJson))) -}}
{{- end -}}

{{- define "otelgen.build.zpages.extensions" -}}
{{- toJson (dict "config" (dict "endpoint" (printf "%s:%d" .ctx.podHost (int .cfg.port))) "ports" (list (include "otelgen.localPort" (dict "name" "zpages" "port" .cfg.port) | fromJson))) -}}
{{- end -}}

{{- define "otelgen.build.file_storage.extensions" -}}
{{- $name := include "otelgen.volumeName" (dict "prefix" "storage" "instance" .ctx.instance) -}}
{{- $mount := dict "name" $name "mount_path" .cfg.directory "read_only" false -}}
{{- if .cfg.host_path -}}
{{- $_ := set $mount "host_path" .cfg.host_path -}}{{- $_ := set $mount "host_path_type" "DirectoryOrCreate" -}}
{{- else -}}
{{- $_ := set $mount "empty_dir_mib" .cfg.size_limit_mib -}}
{{- end -}}
{{- toJson (dict "config" (dict "directory" .cfg.directory "create_directory" .cfg.create_directory) "mounts" (list $mount)) -}}
{{- end -}}

{{- define "otelgen.build.bearertokenauth.extensions" -}}
{{- $config := dict "scheme" .cfg.scheme -}}
{{- $env := list -}}
{{- if .cfg.token -}}
{{- $s := include "otelgen.secretEnv" (dict "value" .cfg.token "ctx" .ctx "decl" .decl "parts" (list "TOKEN")) | fromJson -}}
{{- $_ := set $config "token" $s.text -}}{{- $env = list $s.env -}}
{{- end -}}
{{- if .cfg.filename -}}{{- $_ := set $config "filename" .cfg.filename -}}{{- end -}}
{{- toJson (dict "config" $config "env" $env) -}}
{{- end -}}

{{- define "otelgen.build.k8s_leader_elector.extensions" -}}
{{- $c := .cfg -}}
{{- $decl := .decl.k8s_leader_elector -}}
{{- $config := merge (dict "lease_name" ($c.lease_name | default ($decl.leaseName | replace "{name}" .ctx.name)) "lease_duration" $c.lease_duration "renew_deadline" $c.renew_deadline "retry_period" $c.retry_period) (deepCopy $decl.config) -}}
{{- toJson (dict "config" $config "rbac" $decl.rules "env" $decl.env) -}}
{{- end -}}

{{- /* ------------------------------------------------------------ connectors */ -}}

{{- define "otelgen.build.spanmetrics.connectors" -}}
{{- $cfg := omit .cfg "extra" -}}
{{- if not $cfg.dimensions -}}{{- $cfg = omit $cfg "dimensions" -}}{{- end -}}
{{- toJson (dict "config" $cfg) -}}
{{- end -}}

{{- define "otelgen.build.routing.connectors" -}}
{{- $cfg := omit .cfg "extra" -}}
{{- if not $cfg.default_pipelines -}}{{- $cfg = omit $cfg "default_pipelines" -}}{{- end -}}
{{- toJson (dict "config" $cfg) -}}
{{- end -}}
