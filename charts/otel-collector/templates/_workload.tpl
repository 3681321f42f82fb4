{{- /*
The spec.pod escape hatches (otelgen.manifests.podextras): Kubernetes' own
fields, applied over what the chart derives, and their checks.
*/ -}}

{{- /* names of the hostPath volumes among spec.pod.volumes: {pod} → {"v": [names]} */ -}}
{{- define "otelgen.podextras.hostPaths" -}}
{{- $out := dict -}}
{{- range $v := .pod.volumes -}}{{- if $v.hostPath -}}{{- $_ := set $out $v.name $v.hostPath.path -}}{{- end -}}{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- /* user volumeMounts, a hostPath one read-only unless readOnly is set (podextras.mount): {mounts, hostPaths} */ -}}
{{- define "otelgen.podextras.mounts" -}}
{{- $out := list -}}
{{- range $m := .mounts -}}
{{- $m = deepCopy $m -}}
{{- if and (not (hasKey $m "readOnly")) (hasKey $.hostPaths $m.name) -}}{{- $_ := set $m "readOnly" true -}}{{- end -}}
{{- $out = append $out $m -}}
{{- end -}}
{{- toJson (dict "v" $out) -}}
{{- end -}}

{{- /* the collector's args: --config, --feature-gates, spec.pod.args (podextras.collector_args): {pod, config} */ -}}
{{- define "otelgen.podextras.args" -}}
{{- $args := list .config -}}
{{- if .pod.featureGates -}}{{- $args = append $args (printf "--feature-gates=%s" (join "," .pod.featureGates)) -}}{{- end -}}
{{- toJson (dict "v" (concat $args (.pod.args | default list))) -}}
{{- end -}}

{{- /* spec.pod fields on the collector container (podextras.apply_to_container): {pod, container} */ -}}
{{- define "otelgen.podextras.container" -}}
{{- $pod := .pod -}}
{{- $c := deepCopy .container -}}
{{- if $pod.envFrom -}}{{- $_ := set $c "envFrom" $pod.envFrom -}}{{- end -}}
{{- if $pod.containerSecurityContext -}}
{{- $_ := set $c "securityContext" (include "otelgen.merge" (dict "base" $c.securityContext "override" $pod.containerSecurityContext) | fromJson) -}}
{{- end -}}
{{- range $key := list "startupProbe" "livenessProbe" "readinessProbe" -}}
{{- $t := get $pod $key -}}
{{- if $t -}}{{- $_ := set $c $key (merge (deepCopy $t) (get $c $key)) -}}{{- end -}}
{{- end -}}
{{- if $pod.lifecycle -}}{{- $_ := set $c "lifecycle" $pod.lifecycle -}}{{- end -}}
{{- $hostPaths := include "otelgen.podextras.hostPaths" (dict "pod" $pod) | fromJson -}}
{{- $_ := set $c "volumeMounts" (concat $c.volumeMounts (include "otelgen.podextras.mounts" (dict "mounts" ($pod.volumeMounts | default list) "hostPaths" $hostPaths) | fromJson).v) -}}
{{- toJson $c -}}
{{- end -}}

{{- /* an init or extra container with the restricted defaults under its securityContext (podextras.secure_container): {c, security, hostPaths} */ -}}
{{- define "otelgen.podextras.secureContainer" -}}
{{- $c := deepCopy .c -}}
{{- $_ := set $c "securityContext" (include "otelgen.merge" (dict "base" .security "override" ($c.securityContext | default dict)) | fromJson) -}}
{{- if $c.volumeMounts -}}{{- $_ := set $c "volumeMounts" (include "otelgen.podextras.mounts" (dict "mounts" $c.volumeMounts "hostPaths" .hostPaths) | fromJson).v -}}{{- end -}}
{{- toJson $c -}}
{{- end -}}

{{- /* spec.pod fields on the pod spec (podextras.apply_to_pod): {pod, podSpec, security (the container defaults)} */ -}}
{{- define "otelgen.podextras.pod" -}}
{{- $pod := .pod -}}
{{- $s := deepCopy .podSpec -}}
{{- if $pod.securityContext -}}
{{- $_ := set $s "securityContext" (include "otelgen.merge" (dict "base" $s.securityContext "override" $pod.securityContext) | fromJson) -}}
{{- end -}}
{{- if $pod.hostNetwork -}}{{- $_ := set $s "hostNetwork" true -}}{{- end -}}
{{- $dns := $pod.dnsPolicy | default (ternary "ClusterFirstWithHostNet" "" (eq $pod.hostNetwork true)) -}}
{{- if $dns -}}{{- $_ := set $s "dnsPolicy" $dns -}}{{- end -}}
{{- if $pod.imagePullSecrets -}}{{- $_ := set $s "imagePullSecrets" $pod.imagePullSecrets -}}{{- end -}}
{{- if $pod.affinity -}}
{{- $affinity := deepCopy ($s.affinity | default dict) -}}
{{- range $k, $v := $pod.affinity -}}{{- $_ := set $affinity $k $v -}}{{- end -}}
{{- if $affinity -}}{{- $_ := set $s "affinity" $affinity -}}{{- end -}}
{{- end -}}
{{- if kindIs "slice" $pod.topologySpreadConstraints -}}
{{- $_ := unset $s "topologySpreadConstraints" -}}
{{- if $pod.topologySpreadConstraints -}}{{- $_ := set $s "topologySpreadConstraints" $pod.topologySpreadConstraints -}}{{- end -}}
{{- end -}}
{{- $hostPaths := include "otelgen.podextras.hostPaths" (dict "pod" $pod) | fromJson -}}
{{- if $pod.initContainers -}}
{{- $init := list -}}
{{- range $c := $pod.initContainers -}}{{- $init = append $init (include "otelgen.podextras.secureContainer" (dict "c" $c "security" $.security "hostPaths" $hostPaths) | fromJson) -}}{{- end -}}
{{- $_ := set $s "initContainers" $init -}}
{{- end -}}
{{- range $c := $pod.containers -}}
{{- $_ := set $s "containers" (append $s.containers (include "otelgen.podextras.secureContainer" (dict "c" $c "security" $.security "hostPaths" $hostPaths) | fromJson)) -}}
{{- end -}}
{{- $_ := set $s "volumes" (concat $s.volumes ($pod.volumes | default list)) -}}
{{- toJson $s -}}
{{- end -}}

{{- /* the errors of podextras.spec_problems, in its order: {spec, mode, needs, data} (warnings are otelgen's alone) */ -}}
{{- define "otelgen.checkWorkload" -}}
{{- $spec := .spec -}}
{{- $pod := $spec.pod -}}
{{- $mode := .mode -}}
{{- $traits := get .data.modes.traits $mode -}}
{{- $fixed := .data.manifests -}}
{{- if not $traits.ownPods -}}
{{- range $field := list "volumes" "initContainers" "containers" "affinity" "topologySpreadConstraints" "securityContext" "imagePullSecrets" "hostNetwork" "dnsPolicy" "serviceAccountName" -}}
{{- $v := get $pod $field -}}
{{- if and (hasKey $pod $field) (not (kindIs "invalid" $v)) (not (and (kindIs "bool" $v) (not $v))) (not (and (kindIs "slice" $v) (not $v))) -}}
{{- include "otelgen.fail" (dict "id" "E070" "path" (printf "spec.pod.%s" $field) "msg" (printf "%s is a pod-level field, and a sidecar has no pod of its own (it joins the app's)" $field) "hint" "set it on the app's pod, or use mode agent/gateway") -}}
{{- end -}}
{{- end -}}
{{- if $spec.serviceAccount.annotations -}}
{{- include "otelgen.fail" (dict "id" "E070" "path" "spec.serviceAccount.annotations" "msg" "a sidecar renders no ServiceAccount (it runs as the app's)" "hint" "annotate the app's ServiceAccount") -}}
{{- end -}}
{{- if $spec.rbac.rules -}}
{{- include "otelgen.fail" (dict "id" "E070" "path" "spec.rbac.rules" "msg" "a sidecar renders no RBAC (it runs as the app's ServiceAccount)" "hint" "grant the app's ServiceAccount what it needs") -}}
{{- end -}}
{{- end -}}
{{- if and $traits.ownPods (not $traits.perNode) $pod.hostNetwork -}}
{{- include "otelgen.fail" (dict "id" "E070" "path" "spec.pod.hostNetwork" "msg" (printf "hostNetwork is for agents (one pod per node); a %s would bind its ports on whichever nodes it lands" $mode) "hint" "use mode agent") -}}
{{- end -}}
{{- if and $pod.serviceAccountName $traits.ownPods (not (include "otelgen.isDNS1123Subdomain" $pod.serviceAccountName)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "spec.pod.serviceAccountName" "msg" (printf "'%s' is not a DNS-1123 subdomain (ServiceAccount names are)" $pod.serviceAccountName) "hint" "lowercase letters, digits, '-' and '.'") -}}
{{- end -}}
{{- if and $pod.serviceAccountName $spec.serviceAccount.annotations -}}
{{- include "otelgen.fail" (dict "id" "E070" "path" "spec.serviceAccount.annotations" "msg" (printf "otelgen renders no ServiceAccount when pod.serviceAccountName (%s) names an existing one" $pod.serviceAccountName) "hint" "annotate the existing ServiceAccount, or leave serviceAccountName unset") -}}
{{- end -}}
{{- /* otelgen's own volumes and mount paths (manifests/workload.mounts) */ -}}
{{- $own := list $fixed.configVolume -}}
{{- $paths := list .data.paths.configDir -}}
{{- if $spec.tls -}}
{{- $own = append $own $fixed.tlsVolumes.server -}}{{- $paths = append $paths .data.paths.serverTlsDir -}}
{{- if $spec.tls.clientCA -}}{{- $own = append $own $fixed.tlsVolumes.clientCa -}}{{- $paths = append $paths .data.paths.clientCaDir -}}{{- end -}}
{{- end -}}
{{- if .needs.rbac -}}{{- $own = append $own $fixed.apiAccess.mount.name -}}{{- $paths = append $paths $fixed.apiAccess.mount.mount_path -}}{{- end -}}
{{- range $m := .needs.mounts -}}{{- $own = append $own $m.name -}}{{- $paths = append $paths (trimSuffix "/" $m.mount_path | default "/") -}}{{- end -}}
{{- $seen := list -}}
{{- range $i, $v := $pod.volumes -}}
{{- if or (has $v.name $own) (has $v.name $seen) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "spec.pod.volumes[%d].name" $i) "msg" (printf "volume '%s' is listed twice%s" $v.name (ternary " (otelgen's own volume)" "" (has $v.name $own))) "hint" (printf "pick another name (otelgen uses: %s)" (join ", " $own))) -}}
{{- end -}}
{{- $seen = append $seen $v.name -}}
{{- end -}}
{{- $names := concat $seen $own | uniq | sortAlpha -}}
{{- range $i, $m := $pod.volumeMounts -}}
{{- if not (has $m.name $names) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "spec.pod.volumeMounts[%d].name" $i) "msg" (printf "volumeMount '%s' names no volume" $m.name) "hint" (printf "defined: %s" (join ", " $names))) -}}
{{- end -}}
{{- end -}}
{{- range $i, $m := $pod.volumeMounts -}}
{{- $p := trimSuffix "/" $m.mountPath | default "/" -}}
{{- if has $p $paths -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "spec.pod.volumeMounts[%d].mountPath" $i) "msg" (printf "mountPath %s is mounted twice in the collector container" $p) "hint" "mount it elsewhere") -}}
{{- end -}}
{{- $paths = append $paths $p -}}
{{- end -}}
{{- $containers := list (ternary $spec.sidecar.containerName .data.naming.container (not (get .data.modes.traits $mode).ownPods)) -}}
{{- range $section := list "initContainers" "containers" -}}
{{- range $i, $c := get $pod $section -}}
{{- $path := printf "spec.pod.%s[%d]" $section $i -}}
{{- if has $c.name $containers -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "%s.name" $path) "msg" (printf "container '%s' is listed twice" $c.name) "hint" "give every container its own name") -}}
{{- end -}}
{{- $containers = append $containers $c.name -}}
{{- if and $c.restartPolicy (eq $section "containers") -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (printf "%s.restartPolicy" $path) "msg" "restartPolicy is for initContainers (a native sidecar)" "hint" "move the container to initContainers, or remove restartPolicy") -}}
{{- end -}}
{{- range $j, $m := $c.volumeMounts -}}
{{- if not (has $m.name $names) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "%s.volumeMounts[%d].name" $path $j) "msg" (printf "volumeMount '%s' names no volume" $m.name) "hint" (printf "defined: %s" (join ", " $names))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* minAvailable when set, else maxUnavailable (default 1) (autoscaling.budget) */ -}}
{{- define "otelgen.podextras.budget" -}}
{{- if not (kindIs "invalid" .minAvailable) -}}{{- toJson (dict "minAvailable" .minAvailable) -}}
{{- else if not (kindIs "invalid" .maxUnavailable) -}}{{- toJson (dict "maxUnavailable" .maxUnavailable) -}}
{{- else -}}{{- toJson (dict "maxUnavailable" 1) -}}
{{- end -}}
{{- end -}}

{{- /* E015 for a credential in a command-line flag of the collector or an extra container
(otelgen.spec.load._flag_credentials, credentials.flag_literal): {t, pod} */ -}}
{{- define "otelgen.checkFlagCredentials" -}}
{{- $t := .t -}}
{{- $lists := list (list "spec.pod.args" (.pod.args | default list)) -}}
{{- range $section := list "initContainers" "containers" -}}
{{- range $i, $c := get $.pod $section | default list -}}
{{- if kindIs "map" $c -}}
{{- range $field := list "command" "args" -}}{{- $lists = append $lists (list (printf "spec.pod.%s[%d].%s" $section $i $field) (get $c $field | default list)) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $pair := $lists -}}
{{- if kindIs "slice" (index $pair 1) -}}
{{- range $i, $arg := index $pair 1 -}}
{{- if and (kindIs "string" $arg) (regexMatch "^-{1,2}[A-Za-z0-9_.-]+=" $arg) -}}
{{- $name := regexReplaceAll "^-{1,2}([A-Za-z0-9_.-]+)=(?s:.*)$" $arg "${1}" -}}
{{- $value := regexReplaceAll "^-{1,2}[A-Za-z0-9_.-]+=((?s:.*))$" $arg "${1}" -}}
{{- $why := include "otelgen.credentialWhy" (dict "t" $t "name" $name "v" $value "parent" "") -}}
{{- if and (not $why) (contains "=" $value) -}}
{{- $key := (splitn "=" 2 $value)._0 -}}
{{- $why = include "otelgen.credentialWhy" (dict "t" $t "name" (last (splitList "." $key)) "v" (splitn "=" 2 $value)._1 "parent" "") -}}
{{- end -}}
{{- if $why -}}
{{- include "otelgen.fail" (dict "id" "E015" "path" (printf "%s[%d]" (index $pair 0) $i) "msg" (printf "literal credential in a command-line flag (%s); the value is not shown" $why) "hint" "pass it in an env var from a Secret (env valueFrom.secretKeyRef) and write $(VAR) in the argument") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
