{{- /*
Kubernetes objects from the plan (otelgen.manifests.*), in otelgen's apply
order. Input: {plan, chart (labels Helm adds)}. Output: JSON {"v": [objects]}.
*/ -}}

{{- define "otelgen.selectorLabels" -}}
{{- toJson (dict "app.kubernetes.io/name" .data.naming.appName "app.kubernetes.io/instance" .name "app.kubernetes.io/component" .mode) -}}
{{- end -}}

{{- define "otelgen.metadata" -}}
{{- $plan := .plan -}}
{{- $meta := dict "name" .name -}}
{{- if not .clusterScoped -}}{{- $_ := set $meta "namespace" $plan.namespace -}}{{- end -}}
{{- $labels := include "otelgen.selectorLabels" $plan | fromJson -}}
{{- $_ := set $labels "app.kubernetes.io/version" $plan.version -}}
{{- $_ := set $labels "app.kubernetes.io/part-of" $plan.data.naming.partOf -}}
{{- $_ := set $labels "app.kubernetes.io/managed-by" .helm.managedBy -}}
{{- $_ := set $labels "helm.sh/chart" .helm.chart -}}
{{- $_ := set $meta "labels" $labels -}}
{{- if .annotations -}}{{- $_ := set $meta "annotations" .annotations -}}{{- end -}}
{{- toJson $meta -}}
{{- end -}}

{{- /* rbac.merge_rules: one PolicyRule per (apiGroup, verbs), sorted */ -}}
{{- define "otelgen.mergeRules" -}}
{{- $verbsBy := dict -}}
{{- range $rule := .rules -}}
{{- range $group := $rule.apiGroups -}}
{{- range $resource := $rule.resources -}}
{{- $key := printf "%s %s" $group $resource -}}
{{- $_ := set $verbsBy $key (concat (get $verbsBy $key | default list) $rule.verbs | uniq | sortAlpha) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $grouped := dict -}}
{{- $groupKeys := dict -}}
{{- range $key, $verbs := $verbsBy -}}
{{- $group := (splitn " " 2 $key)._0 -}}
{{- $resource := (splitn " " 2 $key)._1 -}}
{{- $gkey := printf "%s %s" $group (join " " $verbs) -}}
{{- $_ := set $grouped $gkey (append (get $grouped $gkey | default list) $resource) -}}
{{- $_ := set $groupKeys $gkey (dict "group" $group "verbs" $verbs) -}}
{{- end -}}
{{- $out := list -}}
{{- range $gkey := keys $grouped | sortAlpha -}}
{{- $g := get $groupKeys $gkey -}}
{{- $out = append $out (dict "apiGroups" (list $g.group) "resources" (get $grouped $gkey | sortAlpha) "verbs" $g.verbs) -}}
{{- end -}}
{{- toJson (dict "v" $out) -}}
{{- end -}}

{{- define "otelgen.servicePort" -}}
{{- $out := dict "name" .name "port" .port "targetPort" .name "protocol" .protocol -}}
{{- if .appProtocol -}}{{- $_ := set $out "appProtocol" .appProtocol -}}{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- define "otelgen.volume" -}}
{{- if .host_path -}}
{{- toJson (dict "name" .name "hostPath" (dict "path" .host_path "type" (.host_path_type | default "Directory"))) -}}
{{- else if .api_token_seconds -}}
{{- toJson (dict "name" .name "projected" (dict "defaultMode" .mode "sources" .sources)) -}}
{{- else if .secret_name -}}
{{- $secret := dict "secretName" .secret_name "defaultMode" .mode -}}
{{- if .secret_items -}}
{{- $items := list -}}
{{- range $i := .secret_items -}}{{- $items = append $items (dict "key" (index $i 0) "path" (index $i 1)) -}}{{- end -}}
{{- $_ := set $secret "items" $items -}}
{{- end -}}
{{- toJson (dict "name" .name "secret" $secret) -}}
{{- else -}}
{{- toJson (dict "name" .name "emptyDir" (dict "sizeLimit" (printf "%dMi" (int (.empty_dir_mib | default 64))))) -}}
{{- end -}}
{{- end -}}

{{- define "otelgen.config" -}}
{{- $plan := .plan -}}
{{- $config := dict -}}
{{- range $section := list "extensions" "receivers" "processors" "exporters" "connectors" -}}
{{- $entries := dict -}}
{{- range $inst := $plan.instances -}}{{- if eq $inst.section $section -}}{{- $_ := set $entries $inst.renderedId $inst.config -}}{{- end -}}{{- end -}}
{{- if $entries -}}{{- $_ := set $config $section $entries -}}{{- end -}}
{{- end -}}
{{- $ids := dict -}}
{{- $extensions := list -}}
{{- range $inst := $plan.instances -}}
{{- $_ := set $ids (printf "%s %s" $inst.section $inst.name) $inst.renderedId -}}
{{- if eq $inst.section "extensions" -}}{{- $extensions = append $extensions $inst.renderedId -}}{{- end -}}
{{- end -}}
{{- $pipelines := dict -}}
{{- range $pname, $p := $plan.pipelines -}}
{{- $rendered := dict -}}
{{- range $role := list "receivers" "processors" "exporters" -}}
{{- $refs := list -}}
{{- range $ref := get $p $role -}}
{{- $sec := $role -}}
{{- if and (ne $role "processors") (has $ref $plan.connectors) -}}{{- $sec = "connectors" -}}{{- end -}}
{{- $refs = append $refs (get $ids (printf "%s %s" $sec $ref)) -}}
{{- end -}}
{{- if $refs -}}{{- $_ := set $rendered $role $refs -}}{{- end -}}
{{- end -}}
{{- $_ := set $pipelines $pname $rendered -}}
{{- end -}}
{{- $telemetry := dict "logs" (dict "level" $plan.spec.telemetry.logLevel "encoding" $plan.data.manifests.telemetry.logEncoding) "metrics" (dict "level" $plan.data.manifests.telemetry.metricsLevel "readers" (list (dict "pull" (dict "exporter" (dict "prometheus" (dict "host" $plan.data.paths.podIP "port" $plan.spec.telemetry.metricsPort)))))) -}}
{{- $_ := set $config "service" (dict "extensions" ($extensions | sortAlpha) "pipelines" $pipelines "telemetry" $telemetry) -}}
{{- toJson $config -}}
{{- end -}}

{{- define "otelgen.objects" -}}
{{- $plan := .plan -}}
{{- $spec := $plan.spec -}}
{{- $data := $plan.data -}}
{{- $names := $data.naming.names -}}
{{- $configText := include "otelgen.config" (dict "plan" $plan) | fromJson | toYaml -}}
{{- $cmName := $names.configMap | replace "{name}" $plan.name -}}
{{- $configText = printf "%s\n" $configText -}}
{{- $tlsSecret := "" -}}
{{- if $spec.tls -}}{{- $tlsSecret = $spec.tls.secretName | default ($names.tlsSecret | replace "{name}" $plan.name) -}}{{- end -}}
{{- $ctx := dict "plan" $plan "helm" .helm "spec" $spec "mode" $plan.mode "data" $data "names" $names "fixed" $data.manifests -}}
{{- $_ := set $ctx "m" (dict "plan" $plan "helm" .helm "annotations" (dict)) -}}
{{- $_ := set $ctx "selector" (include "otelgen.selectorLabels" $plan | fromJson) -}}
{{- $_ := set $ctx "headlessName" ($names.headlessService | replace "{name}" $plan.name) -}}
{{- $traits := get $data.modes.traits $plan.mode -}}
{{- $_ := set $ctx "traits" $traits -}}
{{- $_ := set $ctx "several" (and $traits.replicas (include "otelgen.several" (dict "traits" $traits "spec" $spec))) -}}
{{- $_ := set $ctx "claim" (include "otelgen.claimVolume" (dict "data" $data "spec" $spec "traits" $traits)) -}}
{{- $_ := set $ctx "cmName" $cmName -}}
{{- $_ := set $ctx "tlsSecret" $tlsSecret -}}
{{- $_ := set $ctx "configText" $configText -}}
{{- $_ := set $ctx "exposureBackends" (include "otelgen.exposure.check" (dict "plan" $plan "hasService" (gt (len (include "otelgen.objects.services" $ctx | fromJson).v) 0)) | fromJson).v -}}
{{- $objects := list -}}
{{- range $part := list "rbac" "configMap" "certificate" "services" "workload" "scaling" "networkPolicy" "serviceMonitor" "podMonitor" "prometheusRule" "exposure" "targetAllocator" -}}
{{- $objects = concat $objects (include (printf "otelgen.objects.%s" $part) $ctx | fromJson).v -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- /* ServiceAccount, and ClusterRole/Role with bindings for the rules the components declare (manifests/rbac.py) */ -}}
{{- define "otelgen.objects.rbac" -}}
{{- $plan := .plan -}}
{{- $mode := .mode -}}
{{- $m := .m -}}
{{- $names := .names -}}
{{- $objects := list -}}
{{- if .traits.ownPods -}}
{{- $saName := $plan.spec.pod.serviceAccountName | default $plan.name -}}
{{- if not $plan.spec.pod.serviceAccountName -}}{{- /* spec.pod.serviceAccountName: an existing one, not rendered */ -}}
{{- $objects = append $objects (dict "apiVersion" "v1" "kind" "ServiceAccount" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name "annotations" $plan.spec.serviceAccount.annotations) $m) | fromJson) "automountServiceAccountToken" false) -}}
{{- end -}}
{{- $clusterRules := list -}}
{{- $nsRules := list -}}
{{- range $r := $plan.needs.rbac -}}
{{- if $r.namespaced -}}{{- $nsRules = append $nsRules $r -}}{{- else -}}{{- $clusterRules = append $clusterRules $r -}}{{- end -}}
{{- end -}}
{{- $subjects := list (dict "kind" "ServiceAccount" "name" $saName "namespace" $plan.namespace) -}}
{{- if $clusterRules -}}
{{- $crName := $names.clusterRole | replace "{name}" $plan.name | replace "{namespace}" $plan.namespace -}}
{{- $objects = append $objects (dict "apiVersion" "rbac.authorization.k8s.io/v1" "kind" "ClusterRole" "metadata" (include "otelgen.metadata" (merge (dict "name" $crName "clusterScoped" true) $m) | fromJson) "rules" (include "otelgen.mergeRules" (dict "rules" $clusterRules) | fromJson).v) -}}
{{- $objects = append $objects (dict "apiVersion" "rbac.authorization.k8s.io/v1" "kind" "ClusterRoleBinding" "metadata" (include "otelgen.metadata" (merge (dict "name" $crName "clusterScoped" true) $m) | fromJson) "roleRef" (dict "apiGroup" "rbac.authorization.k8s.io" "kind" "ClusterRole" "name" $crName) "subjects" $subjects) -}}
{{- end -}}
{{- if $nsRules -}}
{{- $objects = append $objects (dict "apiVersion" "rbac.authorization.k8s.io/v1" "kind" "Role" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name) $m) | fromJson) "rules" (include "otelgen.mergeRules" (dict "rules" $nsRules) | fromJson).v) -}}
{{- $objects = append $objects (dict "apiVersion" "rbac.authorization.k8s.io/v1" "kind" "RoleBinding" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name) $m) | fromJson) "roleRef" (dict "apiGroup" "rbac.authorization.k8s.io" "kind" "Role" "name" $plan.name) "subjects" $subjects) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- /* the ConfigMap with the collector config (manifests/configmap.py) */ -}}
{{- define "otelgen.objects.configMap" -}}
{{- $data := .data -}}
{{- $m := .m -}}
{{- $cmName := .cmName -}}
{{- $configText := .configText -}}
{{- $objects := list -}}
{{- $objects = append $objects (dict "apiVersion" "v1" "kind" "ConfigMap" "metadata" (include "otelgen.metadata" (merge (dict "name" $cmName) $m) | fromJson) "data" (dict $data.paths.configKey $configText)) -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- /* the receivers' cert-manager Certificate (manifests/tls.py) */ -}}
{{- define "otelgen.objects.certificate" -}}
{{- $plan := .plan -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $m := .m -}}
{{- $fixed := .fixed -}}
{{- $headlessName := .headlessName -}}
{{- $tlsSecret := .tlsSecret -}}
{{- $objects := list -}}
{{- if and $spec.tls $spec.tls.certManager -}}
{{- $cm := $spec.tls.certManager -}}
{{- $dnsNames := list -}}
{{- $services := list $plan.name -}}
{{- if .traits.headlessService -}}{{- $services = append $services $headlessName -}}{{- end -}}
{{- range $svc := $services -}}
{{- range $pattern := $fixed.certificate.serviceDnsNames -}}
{{- $dnsNames = append $dnsNames ($pattern | replace "{service}" $svc | replace "{namespace}" $plan.namespace) -}}
{{- end -}}
{{- end -}}
{{- if .traits.headlessService -}}{{- $dnsNames = append $dnsNames ($fixed.certificate.podDnsName | replace "{service}" $headlessName | replace "{namespace}" $plan.namespace) -}}{{- end -}}
{{- range $n := $cm.dnsNames -}}{{- if not (has $n $dnsNames) -}}{{- $dnsNames = append $dnsNames $n -}}{{- end -}}{{- end -}}
{{- $certSpec := dict "secretName" $tlsSecret "duration" $cm.duration "renewBefore" $cm.renewBefore "dnsNames" $dnsNames "privateKey" $fixed.certificate.privateKey "usages" $fixed.certificate.usages "issuerRef" (dict "name" $cm.issuerRef.name "kind" $cm.issuerRef.kind "group" $cm.issuerRef.group) -}}
{{- $objects = append $objects (dict "apiVersion" "cert-manager.io/v1" "kind" "Certificate" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name) $m) | fromJson) "spec" $certSpec) -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- /* the Service and a gateway's headless twin (manifests/service.py) */ -}}
{{- define "otelgen.objects.services" -}}
{{- $plan := .plan -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $m := .m -}}
{{- $selector := .selector -}}
{{- $headlessName := .headlessName -}}
{{- $objects := list -}}
{{- $servicePorts := list -}}
{{- range $p := $plan.needs.ports -}}{{- if $p.service -}}{{- $servicePorts = append $servicePorts (include "otelgen.servicePort" $p | fromJson) -}}{{- end -}}{{- end -}}
{{- if .traits.ownPods -}}
{{- $svcSpec := dict "type" $spec.service.type -}}
{{- $policy := $spec.service.internalTrafficPolicy | default (ternary "Local" "" .traits.perNode) -}}
{{- if $policy -}}{{- $_ := set $svcSpec "internalTrafficPolicy" $policy -}}{{- end -}}
{{- $_ := set $svcSpec "selector" $selector -}}
{{- $_ := set $svcSpec "ports" $servicePorts -}}
{{- $objects = append $objects (dict "apiVersion" "v1" "kind" "Service" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name "annotations" $spec.service.annotations) $m) | fromJson) "spec" $svcSpec) -}}
{{- if .traits.headlessService -}}
{{- $headless := dict "clusterIP" "None" "publishNotReadyAddresses" false "selector" $selector "ports" $servicePorts -}}
{{- $objects = append $objects (dict "apiVersion" "v1" "kind" "Service" "metadata" (include "otelgen.metadata" (merge (dict "name" $headlessName) $m) | fromJson) "spec" $headless) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- /* the DaemonSet or Deployment (manifests/workload.py) */ -}}
{{- define "otelgen.objects.workload" -}}
{{- $plan := .plan -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $data := .data -}}
{{- $m := .m -}}
{{- $selector := .selector -}}
{{- $fixed := .fixed -}}
{{- $several := .several -}}
{{- $cmName := .cmName -}}
{{- $tlsSecret := .tlsSecret -}}
{{- $configText := .configText -}}
{{- $objects := list -}}
{{- $traits := .traits -}}
{{- $claim := .claim -}}
{{- if $traits.workload -}}
{{- $pod := $spec.pod -}}
{{- $mounts := list -}}
{{- if $spec.tls -}}
{{- $mounts = append $mounts (dict "name" $fixed.tlsVolumes.server "mount_path" $data.paths.serverTlsDir "read_only" true "secret_name" $tlsSecret "secret_items" (list (list "tls.crt" "tls.crt") (list "tls.key" "tls.key"))) -}}
{{- if $spec.tls.clientCA -}}
{{- $mounts = append $mounts (dict "name" $fixed.tlsVolumes.clientCa "mount_path" $data.paths.clientCaDir "read_only" true "secret_name" $spec.tls.clientCA.name "secret_items" (list (list $spec.tls.clientCA.key "ca.crt"))) -}}
{{- end -}}
{{- end -}}
{{- if $plan.needsApi -}}
{{- $mounts = append $mounts $fixed.apiAccess.mount -}}
{{- end -}}
{{- $mounts = concat $mounts $plan.needs.mounts -}}
{{- $volumes := list (dict "name" $fixed.configVolume "configMap" (dict "name" $cmName "items" (list (dict "key" $data.paths.configKey "path" $data.paths.configKey)))) -}}
{{- $volumeMounts := list (dict "name" $fixed.configVolume "mountPath" $data.paths.configDir "readOnly" true) -}}
{{- range $mt := $mounts -}}
{{- if ne $mt.name $claim -}}{{- /* a StatefulSet's claim is a volumeClaimTemplates entry, not a pod volume */ -}}
{{- $volumes = append $volumes (include "otelgen.volume" (merge (dict "mode" $data.secretFileMode "sources" $fixed.apiAccess.sources) $mt) | fromJson) -}}
{{- end -}}
{{- $volumeMounts = append $volumeMounts (dict "name" $mt.name "mountPath" $mt.mount_path "readOnly" $mt.read_only) -}}
{{- end -}}
{{- /* env: MY_POD_IP, then the components', GOMEMLIMIT, then pod.env (by name, later wins) */ -}}
{{- $envNames := list -}}
{{- $envByName := dict -}}
{{- range $e := concat $fixed.baseEnv $plan.needs.env -}}
{{- if not (hasKey $envByName $e.name) -}}
{{- $envNames = append $envNames $e.name -}}
{{- if $e.fieldPath -}}
{{- $_ := set $envByName $e.name (dict "name" $e.name "valueFrom" (dict "fieldRef" (dict "apiVersion" "v1" "fieldPath" $e.fieldPath))) -}}
{{- else if $e.secret -}}
{{- $_ := set $envByName $e.name (dict "name" $e.name "valueFrom" (dict "secretKeyRef" (dict "name" $e.secret.name "key" $e.secret.key))) -}}
{{- else -}}
{{- $_ := set $envByName $e.name (dict "name" $e.name "value" ($e.value | default "")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $plan.gomemlimit -}}
{{- $gomemlimit := $data.naming.gomemlimit -}}
{{- if not (hasKey $envByName $gomemlimit) -}}{{- $envNames = append $envNames $gomemlimit -}}{{- end -}}
{{- $_ := set $envByName $gomemlimit (dict "name" $gomemlimit "value" $plan.gomemlimit) -}}
{{- end -}}
{{- range $e := $pod.env -}}
{{- if not (hasKey $envByName $e.name) -}}{{- $envNames = append $envNames $e.name -}}{{- end -}}
{{- if $e.valueFrom -}}
{{- $_ := set $envByName $e.name (dict "name" $e.name "valueFrom" $e.valueFrom) -}}
{{- else if $e.secretRef -}}
{{- $_ := set $envByName $e.name (dict "name" $e.name "valueFrom" (dict "secretKeyRef" (dict "name" $e.secretRef.name "key" $e.secretRef.key))) -}}
{{- else -}}
{{- $_ := set $envByName $e.name (dict "name" $e.name "value" $e.value) -}}
{{- end -}}
{{- end -}}
{{- $env := list -}}
{{- range $n := $envNames -}}{{- $env = append $env (get $envByName $n) -}}{{- end -}}
{{- $containerPorts := list -}}
{{- $hostPorts := and $traits.perNode $spec.service.hostPorts -}}
{{- range $p := $plan.needs.ports -}}
{{- $cp := dict "name" $p.name "containerPort" $p.port "protocol" $p.protocol -}}
{{- if and $hostPorts $p.ingress -}}{{- $_ := set $cp "hostPort" $p.port -}}{{- end -}}
{{- $containerPorts = append $containerPorts $cp -}}
{{- end -}}
{{- $health := "" -}}
{{- range $inst := $plan.instances -}}{{- if and (not $health) (eq $inst.section $data.inserts.health.section) (has (include "otelgen.typeOf" $inst.name) $data.inserts.health.types) -}}{{- $health = $inst -}}{{- end -}}{{- end -}}
{{- $get := dict "path" (get $health.config $data.inserts.health.probePath) "port" $data.naming.healthPort -}}
{{- $uid := $pod.runAsUser -}}
{{- $image := printf "%s:%s" ($spec.image.repository | default (get $data.distributionImages $spec.distribution).image) ($spec.image.tag | default $plan.version) -}}
{{- if $spec.image.digest -}}{{- $image = printf "%s@%s" $image $spec.image.digest -}}{{- end -}}
{{- $container := dict "name" $data.naming.container "image" $image "imagePullPolicy" $spec.image.pullPolicy "args" (include "otelgen.podextras.args" (dict "pod" $pod "config" (printf "--config=%s/%s" $data.paths.configDir $data.paths.configKey)) | fromJson).v "env" $env "ports" $containerPorts "resources" (dict "requests" $plan.requests "limits" $plan.limits) -}}
{{- $_ := set $container "securityContext" (merge (dict "runAsGroup" $uid "runAsUser" $uid) (deepCopy $fixed.containerSecurity)) -}}
{{- $_ := set $container "startupProbe" (merge (dict "httpGet" $get) (deepCopy $fixed.probes.startupProbe)) -}}
{{- $_ := set $container "livenessProbe" (merge (dict "tcpSocket" (dict "port" $data.naming.healthPort)) (deepCopy $fixed.probes.livenessProbe)) -}}
{{- $_ := set $container "readinessProbe" (merge (dict "httpGet" $get) (deepCopy $fixed.probes.readinessProbe)) -}}
{{- $_ := set $container "volumeMounts" $volumeMounts -}}
{{- $container = include "otelgen.podextras.container" (dict "pod" $pod "container" $container) | fromJson -}}
{{- $podSpec := dict "serviceAccountName" ($pod.serviceAccountName | default $plan.name) "automountServiceAccountToken" false "securityContext" (merge (dict "runAsUser" $uid "runAsGroup" $uid "fsGroup" $uid) (deepCopy $fixed.podSecurity)) "terminationGracePeriodSeconds" $pod.terminationGracePeriodSeconds -}}
{{- if $pod.priorityClassName -}}{{- $_ := set $podSpec "priorityClassName" $pod.priorityClassName -}}{{- end -}}
{{- if $pod.nodeSelector -}}{{- $_ := set $podSpec "nodeSelector" $pod.nodeSelector -}}{{- end -}}
{{- if $pod.tolerations -}}{{- $_ := set $podSpec "tolerations" $pod.tolerations -}}{{- end -}}
{{- if and $spec.scaling.topologySpread $several -}}
{{- $_ := set $podSpec "affinity" (dict "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" $fixed.antiAffinityWeight "podAffinityTerm" (dict "labelSelector" (dict "matchLabels" $selector) "topologyKey" $fixed.antiAffinityKey))))) -}}
{{- $spread := list -}}
{{- range $key := $fixed.spreadKeys -}}
{{- $spread = append $spread (merge (dict "topologyKey" $key "labelSelector" (dict "matchLabels" $selector)) (deepCopy $fixed.spread)) -}}
{{- end -}}
{{- $_ := set $podSpec "topologySpreadConstraints" $spread -}}
{{- end -}}
{{- $_ := set $podSpec "containers" (list $container) -}}
{{- $_ := set $podSpec "volumes" $volumes -}}
{{- $podSpec = include "otelgen.podextras.pod" (dict "pod" $pod "podSpec" $podSpec "security" (merge (dict "runAsGroup" $uid "runAsUser" $uid) (deepCopy $fixed.containerSecurity))) | fromJson -}}
{{- $podAnnotations := merge (dict $data.naming.checksumAnnotation (sha256sum $configText)) $pod.annotations -}}
{{- $template := dict "metadata" (dict "labels" (merge (deepCopy $pod.labels) $selector) "annotations" $podAnnotations) "spec" $podSpec -}}
{{- if eq $traits.workload "DaemonSet" -}}
{{- $objects = append $objects (dict "apiVersion" "apps/v1" "kind" "DaemonSet" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name) $m) | fromJson) "spec" (dict "selector" (dict "matchLabels" $selector) "updateStrategy" $fixed.daemonSetUpdateStrategy "template" $template)) -}}
{{- else -}}
{{- $wspec := dict "revisionHistoryLimit" $fixed.revisionHistoryLimit "selector" (dict "matchLabels" $selector) "template" $template -}}
{{- if not $spec.scaling.autoscaling.enabled -}}{{- $_ := set $wspec "replicas" $spec.scaling.replicas -}}{{- end -}}
{{- if eq $traits.workload "Deployment" -}}
{{- $_ := set $wspec "strategy" $fixed.deploymentStrategy -}}
{{- else -}}
{{- $sts := $data.modes.statefulSet -}}
{{- $_ := set $wspec "serviceName" .headlessName -}}
{{- $_ := set $wspec "podManagementPolicy" $sts.podManagementPolicy -}}
{{- $_ := set $wspec "updateStrategy" $sts.updateStrategy -}}
{{- $_ := set $wspec "persistentVolumeClaimRetentionPolicy" $sts.pvcRetentionPolicy -}}
{{- if $claim -}}
{{- $pq := $spec.persistentQueue -}}
{{- $claimSpec := dict "accessModes" (list "ReadWriteOnce") "resources" (dict "requests" (dict "storage" $pq.size)) -}}
{{- if $pq.storageClassName -}}{{- $_ := set $claimSpec "storageClassName" $pq.storageClassName -}}{{- end -}}
{{- $_ := set $wspec "volumeClaimTemplates" (list (dict "apiVersion" "v1" "kind" "PersistentVolumeClaim" "metadata" (dict "name" $claim "labels" $selector) "spec" $claimSpec)) -}}
{{- end -}}
{{- end -}}
{{- $objects = append $objects (dict "apiVersion" "apps/v1" "kind" $traits.workload "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name) $m) | fromJson) "spec" $wspec) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- /* HorizontalPodAutoscaler and PodDisruptionBudget (manifests/autoscaling.py) */ -}}
{{- define "otelgen.objects.scaling" -}}
{{- $plan := .plan -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $m := .m -}}
{{- $selector := .selector -}}
{{- $several := .several -}}
{{- $objects := list -}}
{{- $auto := $spec.scaling.autoscaling -}}
{{- if and .traits.autoscaling $auto.enabled -}}
{{- $metrics := list -}}
{{- range $pair := list (list "cpu" $auto.targetCPUUtilizationPercentage) (list "memory" $auto.targetMemoryUtilizationPercentage) -}}
{{- if not (kindIs "invalid" (index $pair 1)) -}}
{{- $metrics = append $metrics (dict "type" "Resource" "resource" (dict "name" (index $pair 0) "target" (dict "type" "Utilization" "averageUtilization" (index $pair 1)))) -}}
{{- end -}}
{{- end -}}
{{- $metrics = concat $metrics ($auto.metrics | default list) -}}
{{- $hpaSpec := dict "scaleTargetRef" (dict "apiVersion" "apps/v1" "kind" .traits.workload "name" $plan.name) "minReplicas" $auto.minReplicas "maxReplicas" $auto.maxReplicas "metrics" $metrics -}}
{{- if $auto.behavior -}}{{- $_ := set $hpaSpec "behavior" $auto.behavior -}}{{- end -}}
{{- $objects = append $objects (dict "apiVersion" "autoscaling/v2" "kind" "HorizontalPodAutoscaler" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name) $m) | fromJson) "spec" $hpaSpec) -}}
{{- end -}}
{{- if and $spec.scaling.podDisruptionBudget.enabled $several -}}
{{- $objects = append $objects (dict "apiVersion" "policy/v1" "kind" "PodDisruptionBudget" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name) $m) | fromJson) "spec" (merge (dict "selector" (dict "matchLabels" $selector)) (include "otelgen.podextras.budget" $spec.scaling.podDisruptionBudget | fromJson))) -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- /* default-deny NetworkPolicy with the allows the plan needs (manifests/networkpolicy.py) */ -}}
{{- define "otelgen.objects.networkPolicy" -}}
{{- $plan := .plan -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $data := .data -}}
{{- $m := .m -}}
{{- $selector := .selector -}}
{{- $fixed := .fixed -}}
{{- $objects := list -}}
{{- $np := $spec.networkPolicy -}}
{{- if and .traits.ownPods $np.enabled -}}
{{- $receiverPorts := list -}}
{{- $observePorts := list -}}
{{- range $p := $plan.needs.ports -}}
{{- if and $p.service (ne $p.name $data.naming.telemetryPort) -}}{{- $receiverPorts = append $receiverPorts (dict "protocol" $p.protocol "port" $p.port) -}}{{- end -}}
{{- if has $p.name (list $data.naming.telemetryPort $data.naming.healthPort) -}}{{- $observePorts = append $observePorts (dict "protocol" $p.protocol "port" $p.port) -}}{{- end -}}
{{- end -}}
{{- $ingress := list -}}
{{- if $receiverPorts -}}{{- $ingress = append $ingress (include "otelgen.npRule" (dict "dir" "from" "peers" $np.ingressFrom "ports" $receiverPorts) | fromJson) -}}{{- end -}}
{{- if $observePorts -}}{{- $ingress = append $ingress (include "otelgen.npRule" (dict "dir" "from" "peers" $np.metricsFrom "ports" $observePorts) | fromJson) -}}{{- end -}}
{{- $exposed := (include "otelgen.exposure.admittedPorts" (dict "rows" (include "otelgen.exposure.list" (dict "spec" $spec "data" $data) | fromJson).v "backends" .exposureBackends) | fromJson).v -}}
{{- if and $np.exposureFrom $exposed -}}{{- $ingress = append $ingress (include "otelgen.npRule" (dict "dir" "from" "peers" $np.exposureFrom "ports" $exposed) | fromJson) -}}{{- end -}}
{{- $dnsPeer := dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" $np.dns.namespace)) "podSelector" (dict "matchLabels" $np.dns.podLabels) -}}
{{- $egress := list (include "otelgen.npRule" (dict "dir" "to" "peers" (list $dnsPeer) "ports" $fixed.dnsPorts) | fromJson) -}}
{{- $exporters := list -}}
{{- $byExporter := dict -}}
{{- range $e := $plan.needs.egress -}}
{{- if not (kindIs "invalid" $e.port) -}}
{{- $exp := trimPrefix "exporter " $e.reason -}}
{{- if not (hasKey $byExporter $exp) -}}{{- $exporters = append $exporters $exp -}}{{- $_ := set $byExporter $exp list -}}{{- end -}}
{{- $port := dict "protocol" $e.protocol "port" $e.port -}}
{{- if not (has $port (get $byExporter $exp)) -}}{{- $_ := set $byExporter $exp (append (get $byExporter $exp) $port) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- range $exp := $exporters -}}
{{- $egress = append $egress (include "otelgen.npRule" (dict "dir" "to" "peers" (get $np.exporterTo $exp | default list) "ports" (get $byExporter $exp)) | fromJson) -}}
{{- end -}}
{{- if $plan.needsApi -}}
{{- $peers := list -}}
{{- range $c := $np.apiServer.cidrs -}}{{- $peers = append $peers (dict "ipBlock" (dict "cidr" $c)) -}}{{- end -}}
{{- $ports := list -}}
{{- range $p := $np.apiServer.ports -}}{{- $ports = append $ports (dict "protocol" "TCP" "port" $p) -}}{{- end -}}
{{- $egress = append $egress (include "otelgen.npRule" (dict "dir" "to" "peers" $peers "ports" $ports) | fromJson) -}}
{{- end -}}
{{- if $plan.needs.kubelet -}}
{{- $peers := list -}}
{{- range $c := $np.kubeletCidrs -}}{{- $peers = append $peers (dict "ipBlock" (dict "cidr" $c)) -}}{{- end -}}
{{- $egress = append $egress (include "otelgen.npRule" (dict "dir" "to" "peers" $peers "ports" (list (dict "protocol" "TCP" "port" $data.ports.kubelet))) | fromJson) -}}
{{- end -}}
{{- if $plan.needs.scrapePods -}}{{- $egress = append $egress (include "otelgen.np.scrape" (dict "peers" $np.scrapeTo "ports" $data.scraping.scrapePorts) | fromJson) -}}{{- end -}}
{{- $egress = concat $egress (include "otelgen.ta.collectorEgress" (dict "plan" $plan) | fromJson).v -}}
{{- range $extra := $np.egress -}}
{{- $egress = append $egress (include "otelgen.npRule" (dict "dir" "to" "peers" $extra.to "ports" $extra.ports) | fromJson) -}}
{{- end -}}
{{- $objects = append $objects (dict "apiVersion" "networking.k8s.io/v1" "kind" "NetworkPolicy" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name) $m) | fromJson) "spec" (dict "podSelector" (dict "matchLabels" $selector) "policyTypes" (list "Ingress" "Egress") "ingress" $ingress "egress" $egress)) -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- /* ServiceMonitor, when asked for and the cluster serves monitoring.coreos.com/v1 (manifests/monitoring.py) */ -}}
{{- define "otelgen.objects.serviceMonitor" -}}
{{- $plan := .plan -}}
{{- $helm := .helm -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $data := .data -}}
{{- $m := .m -}}
{{- $selector := .selector -}}
{{- $headlessName := .headlessName -}}
{{- $objects := list -}}
{{- $sm := $spec.serviceMonitor -}}
{{- if and .traits.ownPods $sm.enabled $helm.monitoringApi -}}
{{- $meta := include "otelgen.metadata" (merge (dict "name" $plan.name) $m) | fromJson -}}
{{- $_ := set $meta "labels" (merge (deepCopy $sm.labels) $meta.labels) -}}
{{- $endpoint := dict "port" $data.naming.telemetryPort "path" $data.naming.metricsPath "interval" $sm.interval -}}
{{- if .traits.headlessService -}}
{{- $_ := set $endpoint "relabelings" (list (dict "action" "drop" "sourceLabels" (list "__meta_kubernetes_service_name") "regex" $headlessName)) -}}
{{- end -}}
{{- $objects = append $objects (dict "apiVersion" "monitoring.coreos.com/v1" "kind" "ServiceMonitor" "metadata" $meta "spec" (dict "selector" (dict "matchLabels" $selector) "namespaceSelector" (dict "matchNames" (list $plan.namespace)) "endpoints" (list $endpoint))) -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}

{{- define "otelgen.npRule" -}}
{{- $rule := dict -}}
{{- if .peers -}}{{- $_ := set $rule .dir .peers -}}{{- end -}}
{{- $ports := list -}}
{{- range $p := .ports -}}{{- $ports = append $ports (dict "protocol" ($p.protocol | default "TCP") "port" $p.port) -}}{{- end -}}
{{- $_ := set $rule "ports" $ports -}}
{{- toJson $rule -}}
{{- end -}}
