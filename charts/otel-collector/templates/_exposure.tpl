{{- /*
Exposure outside the cluster (otelgen.manifests.ingress): an Ingress and Gateway
API routes (HTTPRoute, GRPCRoute) in front of one otlp receiver, with the same
checks and error IDs (E010, E055, E056, E085-E087). The backend is derived: the
collector's Service and the receiver's port for the protocol.
*/ -}}

{{- /* enabled exposures: {spec, data} → {"v": [[field, protocol, settings], ...]} in Python's order */ -}}
{{- define "otelgen.exposure.list" -}}
{{- $out := list -}}
{{- if .spec.ingress.enabled -}}{{- $out = append $out (list "ingress" .spec.ingress.protocol .spec.ingress) -}}{{- end -}}
{{- range $row := .data.exposure.routes -}}
{{- $settings := get $.spec (index $row 0) -}}
{{- if $settings.enabled -}}{{- $out = append $out (list (index $row 0) (index $row 2) $settings) -}}{{- end -}}
{{- end -}}
{{- toJson (dict "v" $out) -}}
{{- end -}}

{{- define "otelgen.exposure.label" -}}{{- get (dict "http" "HTTP" "grpc" "gRPC") . -}}{{- end -}}

{{- /* the otlp receivers in use serving a protocol: {plan, protocol} → {"v": {name: backend}} (ingress._candidates) */ -}}
{{- define "otelgen.exposure.candidates" -}}
{{- $plan := .plan -}}
{{- $data := $plan.data -}}
{{- $out := dict -}}
{{- range $inst := $plan.instances -}}
{{- if eq $inst.section "receivers" -}}
{{- $comp := get $data.components.receivers (include "otelgen.typeOf" $inst.name) -}}
{{- if and $comp (eq ($comp.role | default "") "otlp_server") -}}
{{- $port := dict -}}
{{- range $p := $plan.needs.ports -}}
{{- if and (not $port) $p.service (eq ($p.owner | default "") (printf "receivers.%s" $inst.name)) (eq ($p.appProtocol | default "") (get $data.exposure.appProtocol $.protocol)) -}}{{- $port = $p -}}{{- end -}}
{{- end -}}
{{- if $port -}}
{{- $fed := dict -}}
{{- range $pname, $p := $plan.pipelines -}}
{{- if has $inst.name $p.receivers -}}{{- $_ := set $fed (first (splitList "/" $pname)) true -}}{{- end -}}
{{- end -}}
{{- $signals := list -}}
{{- $paths := list -}}
{{- $http := ($inst.config.protocols | default dict).http | default dict -}}
{{- range $s := $data.exposure.signals -}}
{{- if hasKey $fed $s -}}
{{- $signals = append $signals $s -}}
{{- $row := get $data.exposure.httpPaths $s -}}
{{- $v := get $http (index $row 0) -}}
{{- if not (and (kindIs "string" $v) $v) -}}{{- $v = index $row 1 -}}{{- else if not (hasPrefix "/" $v) -}}{{- $v = printf "/%s" $v -}}{{- end -}}
{{- $paths = append $paths $v -}}
{{- end -}}
{{- end -}}
{{- $_ := set $out $inst.name (dict "receiver" $inst.name "port" (dict "name" $port.name "port" $port.port "protocol" $port.protocol) "signals" $signals "httpPaths" $paths) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $out) -}}
{{- end -}}

{{- /* the backend of one exposure, or fail like ingress.backend: {plan, field, protocol, settings, hasService} */ -}}
{{- define "otelgen.exposure.backend" -}}
{{- $plan := .plan -}}
{{- $label := include "otelgen.exposure.label" .protocol -}}
{{- if not .hasService -}}
{{- include "otelgen.fail" (dict "id" "E085" "path" (printf "spec.%s.enabled" .field) "msg" (printf "a %s has no Service to route to (the collector runs inside each app's pod)" $plan.mode) "hint" "expose a gateway (or agent) instead, and send the sidecars' data to it") -}}
{{- end -}}
{{- $candidates := (include "otelgen.exposure.candidates" (dict "plan" $plan "protocol" .protocol) | fromJson).v -}}
{{- $defined := keys ($plan.spec.receivers | default dict) | sortAlpha -}}
{{- $hint := printf "enable protocols.%s on an otlp receiver used by a pipeline" .protocol -}}
{{- if $candidates -}}{{- $hint = printf "receivers serving %s: %s" $label (join ", " (keys $candidates | sortAlpha)) -}}{{- end -}}
{{- $name := .settings.receiver -}}
{{- if not (kindIs "invalid" $name) -}}
{{- if not (hasKey ($plan.spec.receivers | default dict) $name) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "spec.%s.receiver" .field) "msg" (printf "'%s' is not defined under spec.receivers" $name) "hint" (printf "defined: %s" (join ", " $defined | default "none"))) -}}
{{- end -}}
{{- if not (hasKey $candidates $name) -}}
{{- include "otelgen.fail" (dict "id" "E086" "path" (printf "spec.%s.receiver" .field) "msg" (printf "receiver '%s' does not serve OTLP/%s: it is not an otlp receiver with protocols.%s enabled that a pipeline uses" $name $label .protocol) "hint" $hint) -}}
{{- end -}}
{{- toJson (get $candidates $name) -}}
{{- else if eq (len $candidates) 1 -}}
{{- toJson (first (values $candidates)) -}}
{{- else if not $candidates -}}
{{- include "otelgen.fail" (dict "id" "E086" "path" (printf "spec.%s.enabled" .field) "msg" (printf "no receiver serves OTLP/%s: an otlp receiver with protocols.%s enabled, used by a pipeline, is needed" $label .protocol) "hint" (printf "enable protocols.%s on the otlp receiver (or add one to a pipeline)" .protocol)) -}}
{{- else -}}
{{- include "otelgen.fail" (dict "id" "E086" "path" (printf "spec.%s.receiver" .field) "msg" (printf "several otlp receivers serve %s (%s): which one to expose is not clear" $label (join ", " (keys $candidates | sortAlpha))) "hint" "name one in receiver") -}}
{{- end -}}
{{- end -}}

{{- define "otelgen.exposure.hostOk" -}}
{{- include "otelgen.isDNS1123Subdomain" (ternary (trimPrefix "*." .) . (hasPrefix "*." .)) -}}
{{- end -}}

{{- /* ingress.spec_problems (the errors; warnings are otelgen's only): {plan, hasService} → {"v": {field: backend}} */ -}}
{{- define "otelgen.exposure.check" -}}
{{- $plan := .plan -}}
{{- $spec := $plan.spec -}}
{{- $out := dict -}}
{{- range $row := (include "otelgen.exposure.list" (dict "spec" $spec "data" $plan.data) | fromJson).v -}}
{{- $field := index $row 0 -}}
{{- $settings := index $row 2 -}}
{{- $found := include "otelgen.exposure.backend" (dict "plan" $plan "field" $field "protocol" (index $row 1) "settings" $settings "hasService" $.hasService) | fromJson -}}
{{- $_ := set $out $field $found -}}
{{- include "otelgen.checkLabels" (dict "labels" $settings.annotations "path" (printf "spec.%s.annotations" $field) "values" false) -}}
{{- $hostsField := ternary "hosts" "hostnames" (eq $field "ingress") -}}
{{- $hosts := get $settings $hostsField | default list -}}
{{- range $i, $h := $hosts -}}
{{- if not (include "otelgen.exposure.hostOk" $h) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" (printf "spec.%s.%s[%d]" $field $hostsField $i) "msg" (printf "'%s' is not a host name (a DNS-1123 subdomain, optionally starting with '*.')" $h) "hint" "e.g. otlp.example.com or *.example.com; no IP address, no port") -}}
{{- end -}}
{{- end -}}
{{- if ne (len (uniq $hosts)) (len $hosts) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "spec.%s.%s" $field $hostsField) "msg" "a host is listed twice" "hint" "list each host once") -}}
{{- end -}}
{{- if eq $field "ingress" -}}
{{- if and (not (kindIs "invalid" $settings.ingressClassName)) (not (include "otelgen.isDNS1123Subdomain" $settings.ingressClassName)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "spec.ingress.ingressClassName" "msg" (printf "'%s' is not an IngressClass name (DNS-1123 subdomain)" $settings.ingressClassName) "hint" "e.g. nginx") -}}
{{- end -}}
{{- if ne (len (uniq ($settings.paths | default list))) (len ($settings.paths | default list)) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" "spec.ingress.paths" "msg" "a path is listed twice" "hint" "list each path once") -}}
{{- end -}}
{{- with $settings.tls -}}
{{- if not $hosts -}}
{{- include "otelgen.fail" (dict "id" "E087" "path" "spec.ingress.tls" "msg" "TLS at the Ingress needs hosts: the certificate is for them" "hint" "list the host names in ingress.hosts") -}}
{{- end -}}
{{- if and (not (kindIs "invalid" .secretName)) (not (include "otelgen.isDNS1123Subdomain" .secretName)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "spec.ingress.tls.secretName" "msg" (printf "'%s' is not a valid Secret name (DNS-1123 subdomain)" .secretName) "hint" "lowercase letters, digits, '-' and '.'") -}}
{{- end -}}
{{- end -}}
{{- else -}}
{{- $kind := "" -}}
{{- range $r := $plan.data.exposure.routes -}}{{- if eq (index $r 0) $field -}}{{- $kind = index $r 1 -}}{{- end -}}{{- end -}}
{{- if not $settings.parentRefs -}}
{{- include "otelgen.fail" (dict "id" "E087" "path" (printf "spec.%s.parentRefs" $field) "msg" (printf "the %s needs at least one parentRef (the Gateway it attaches to)" $kind) "hint" "parentRefs: [{name: my-gateway, namespace: gateway-system}]") -}}
{{- end -}}
{{- range $i, $ref := $settings.parentRefs -}}
{{- if not (include "otelgen.isDNS1123Subdomain" $ref.name) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" (printf "spec.%s.parentRefs[%d].name" $field $i) "msg" (printf "'%s' is not a valid Gateway name (DNS-1123 subdomain)" $ref.name) "hint" "lowercase letters, digits, '-' and '.'") -}}
{{- end -}}
{{- if and (not (kindIs "invalid" $ref.namespace)) (not (include "otelgen.isDNS1123Label" $ref.namespace)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" (printf "spec.%s.parentRefs[%d].namespace" $field $i) "msg" (printf "'%s' is not a namespace name (DNS-1123 label)" $ref.namespace) "hint" "lowercase letters, digits and '-'") -}}
{{- end -}}
{{- if and (not (kindIs "invalid" $ref.sectionName)) (not (include "otelgen.isDNS1123Subdomain" $ref.sectionName)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" (printf "spec.%s.parentRefs[%d].sectionName" $field $i) "msg" (printf "'%s' is not a listener name (DNS-1123 subdomain)" $ref.sectionName) "hint" "the name of a listener of the Gateway") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $out) -}}
{{- end -}}

{{- /* the ports the Ingress and routes send to (NetworkPolicy exposureFrom rule): {backends} → {"v": [{port, protocol}]} */ -}}
{{- define "otelgen.exposure.admittedPorts" -}}
{{- $out := list -}}
{{- range $row := .rows -}}
{{- $b := get $.backends (index $row 0) -}}
{{- $p := dict "protocol" $b.port.protocol "port" $b.port.port -}}
{{- if not (has $p $out) -}}{{- $out = append $out $p -}}{{- end -}}
{{- end -}}
{{- toJson (dict "v" $out) -}}
{{- end -}}

{{- /* Certificate, Ingress, HTTPRoute, GRPCRoute (ingress.exposure_objects); input: the objects context */ -}}
{{- define "otelgen.objects.exposure" -}}
{{- $plan := .plan -}}
{{- $spec := .spec -}}
{{- $data := .data -}}
{{- $names := .names -}}
{{- $m := .m -}}
{{- $fixed := .fixed -}}
{{- $backends := .exposureBackends -}}
{{- $objects := list -}}
{{- $ing := $spec.ingress -}}
{{- if $ing.enabled -}}
{{- if and $ing.tls $ing.tls.certManager -}}
{{- $cm := $ing.tls.certManager -}}
{{- $dnsNames := concat (list) $ing.hosts -}}
{{- range $n := $cm.dnsNames -}}{{- if not (has $n $ing.hosts) -}}{{- $dnsNames = append $dnsNames $n -}}{{- end -}}{{- end -}}
{{- $certSpec := dict "secretName" ($names.ingressTlsSecret | replace "{name}" $plan.name) "duration" $cm.duration "renewBefore" $cm.renewBefore "dnsNames" $dnsNames "privateKey" $fixed.certificate.privateKey "usages" $fixed.certificate.usages "issuerRef" (dict "name" $cm.issuerRef.name "kind" $cm.issuerRef.kind "group" $cm.issuerRef.group) -}}
{{- $objects = append $objects (dict "apiVersion" "cert-manager.io/v1" "kind" "Certificate" "metadata" (include "otelgen.metadata" (merge (dict "name" ($names.ingressCertificate | replace "{name}" $plan.name)) $m) | fromJson) "spec" $certSpec) -}}
{{- end -}}
{{- $b := $backends.ingress -}}
{{- $target := dict "service" (dict "name" $plan.name "port" (dict "name" $b.port.name)) -}}
{{- $pathList := $ing.paths -}}
{{- if not $pathList -}}
{{- if eq $ing.protocol "http" -}}{{- $pathList = $b.httpPaths -}}{{- else -}}
{{- $pathList = list -}}
{{- range $s := $b.signals -}}{{- $pathList = append $pathList (printf "/%s" (get $data.exposure.grpcServices $s)) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- $paths := list -}}
{{- range $p := $pathList -}}{{- $paths = append $paths (dict "path" $p "pathType" $ing.pathType "backend" $target) -}}{{- end -}}
{{- $rules := list -}}
{{- range $h := $ing.hosts -}}{{- $rules = append $rules (dict "host" $h "http" (dict "paths" $paths)) -}}{{- end -}}
{{- if not $rules -}}{{- $rules = list (dict "http" (dict "paths" $paths)) -}}{{- end -}}
{{- $ingSpec := dict -}}
{{- if $ing.ingressClassName -}}{{- $_ := set $ingSpec "ingressClassName" $ing.ingressClassName -}}{{- end -}}
{{- if $ing.tls -}}
{{- $_ := set $ingSpec "tls" (list (dict "hosts" $ing.hosts "secretName" ($ing.tls.secretName | default ($names.ingressTlsSecret | replace "{name}" $plan.name)))) -}}
{{- end -}}
{{- $_ := set $ingSpec "rules" $rules -}}
{{- $objects = append $objects (dict "apiVersion" "networking.k8s.io/v1" "kind" "Ingress" "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name "annotations" $ing.annotations) $m) | fromJson) "spec" $ingSpec) -}}
{{- end -}}
{{- range $row := $data.exposure.routes -}}
{{- $field := index $row 0 -}}
{{- $settings := get $spec $field -}}
{{- if $settings.enabled -}}
{{- $b := get $backends $field -}}
{{- $matches := list -}}
{{- if eq (index $row 2) "http" -}}
{{- range $p := $b.httpPaths -}}{{- $matches = append $matches (dict "path" (dict "type" "PathPrefix" "value" $p)) -}}{{- end -}}
{{- else -}}
{{- range $s := $b.signals -}}{{- $matches = append $matches (dict "method" (dict "type" "Exact" "service" (get $data.exposure.grpcServices $s))) -}}{{- end -}}
{{- end -}}
{{- $parents := list -}}
{{- range $ref := $settings.parentRefs -}}
{{- $r := dict "name" $ref.name -}}
{{- range $k := list "namespace" "sectionName" "port" -}}{{- if and (hasKey $ref $k) (not (kindIs "invalid" (index $ref $k))) -}}{{- $_ := set $r $k (get $ref $k) -}}{{- end -}}{{- end -}}
{{- $parents = append $parents $r -}}
{{- end -}}
{{- $routeSpec := dict "parentRefs" $parents -}}
{{- if $settings.hostnames -}}{{- $_ := set $routeSpec "hostnames" $settings.hostnames -}}{{- end -}}
{{- $_ := set $routeSpec "rules" (list (dict "matches" $matches "backendRefs" (list (dict "name" $plan.name "port" $b.port.port)))) -}}
{{- $objects = append $objects (dict "apiVersion" $data.exposure.gatewayApi "kind" (index $row 1) "metadata" (include "otelgen.metadata" (merge (dict "name" $plan.name "annotations" $settings.annotations) $m) | fromJson) "spec" $routeSpec) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $objects) -}}
{{- end -}}
