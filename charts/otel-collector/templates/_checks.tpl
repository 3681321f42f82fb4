{{- /*
otelgen's checks of component names and pipelines (Planner._parse_one,
_check_references, _check_order, _check_extension_refs), in the same order.
Helm stops at the first problem; otelgen lists them all. Input: {data, spec,
sections, pipelines, version}.
*/ -}}

{{- define "otelgen.checkNames" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $version := .version -}}
{{- range $section := $data.sections -}}
{{- range $iname := keys (get $.sections $section) | sortAlpha -}}
{{- $path := printf "spec.%s.%s" $section $iname -}}
{{- if not (regexMatch "^[a-z][a-z0-9_]*(/[A-Za-z0-9_.-]+)?$" $iname) -}}
{{- include "otelgen.fail" (dict "id" "E017" "path" $path "msg" (printf "'%s' is not a component name" $iname) "hint" "type[/name], e.g. otlp or otlp/backend (type: lowercase letters, digits, '_')") -}}
{{- end -}}
{{- $raw := get (get $.sections $section) $iname -}}
{{- if not (or (kindIs "invalid" $raw) (kindIs "map" $raw)) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" $path "msg" (printf "expected a mapping of settings, got %s" (kindOf $raw)) "hint" "use {} for the defaults") -}}
{{- end -}}
{{- $type := include "otelgen.typeOf" $iname -}}
{{- $comp := get (get $data.components $section) $type -}}
{{- if and $comp (or (kindIs "invalid" $raw) (kindIs "map" $raw)) -}}
{{- $raw = $raw | default dict -}}{{- /* null left after merging is the defaults, as otelgen reads it */ -}}
{{- include "otelgen.checkNulls" (dict "desc" $comp.model "value" $raw "path" $path) -}}
{{- include "otelgen.checkComponent" (dict "checks" $comp.declaration.checks "version" $version "path" $path "required" $comp.model.required "cfg" (include "otelgen.applyModel" (dict "desc" $comp.model "value" (include "otelgen.reshape" (dict "decl" $comp.declaration "raw" $raw) | fromJson).v) | fromJson).v) -}}
{{- end -}}
{{- if and (not $comp) (ne $spec.distribution "custom") -}}
{{- $known := has $type (get (get $data.distributions $spec.distribution) $section | default list) -}}
{{- $since := get (get $data.distributions.renamed $section | default dict) $type -}}
{{- if and (not $known) $since -}}{{- $known = semverCompare (printf ">=%s" $since) $version -}}{{- end -}}
{{- if not $known -}}
{{- include "otelgen.fail" (dict "id" "E016" "path" $path "msg" (printf "%s type '%s' is not in the %s image" (trimSuffix "s" $section) $type (get $data.distributionImages $spec.distribution).catalog) "hint" "use a component the image has, or set distribution: custom with your own image") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* spec.declarations name defined components (Planner._parse_all) */ -}}
{{- define "otelgen.checkDeclarations" -}}
{{- range $section := keys (.spec.declarations | default dict) | sortAlpha -}}
{{- $defined := keys (get $.sections $section | default dict) | sortAlpha -}}
{{- range $iname := keys (get $.spec.declarations $section | default dict) | sortAlpha -}}
{{- if not (has $iname $defined) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "spec.declarations.%s.%s" $section $iname) "msg" (printf "declarations for '%s', which is not defined under spec.%s" $iname $section) "hint" (printf "defined: %s" (join ", " $defined | default "none"))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "otelgen.checkPipelines" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $sections := .sections -}}
{{- $pipelines := .pipelines -}}
{{- $connectors := keys $sections.connectors -}}
{{- $asExporter := dict -}}
{{- $asReceiver := dict -}}
{{- range $pname := keys $pipelines | sortAlpha -}}
{{- $p := get $pipelines $pname -}}
{{- $signal := include "otelgen.typeOf" $pname -}}
{{- range $role := list "receivers" "processors" "exporters" -}}
{{- $seen := dict -}}
{{- range $i, $ref := get $p $role -}}
{{- $path := printf "spec.pipelines.%s.%s[%d]" $pname $role $i -}}
{{- if hasKey $seen $ref -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" $path "msg" (printf "'%s' is listed twice in this pipeline" $ref) "hint" "list each component once") -}}
{{- end -}}
{{- $_ := set $seen $ref true -}}
{{- if and (ne $role "processors") (has $ref $connectors) -}}
{{- $uses := ternary $asReceiver $asExporter (eq $role "receivers") -}}
{{- $_ := set $uses $ref (append (get $uses $ref | default list) $signal | uniq) -}}
{{- else if not (hasKey (get $sections $role) $ref) -}}
{{- $defined := keys (get $sections $role) | sortAlpha -}}
{{- if ne $role "processors" -}}{{- $defined = concat $defined ($connectors | sortAlpha) -}}{{- end -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" $path "msg" (printf "'%s' is not defined under spec.%s%s" $ref $role (ternary "" " or spec.connectors" (eq $role "processors"))) "hint" (printf "defined: %s" (join ", " $defined | default "none"))) -}}
{{- else -}}
{{- $comp := get (get $data.components $role) (include "otelgen.typeOf" $ref) -}}
{{- $sigs := list -}}
{{- if $comp -}}{{- $sigs = $comp.signals -}}
{{- else if ne $spec.distribution "custom" -}}{{- $sigs = get (get (get $data.catalogSignals $spec.distribution | default dict) $role | default dict) (include "otelgen.typeOf" $ref) | default list -}}
{{- end -}}
{{- if and $sigs (not (has $signal $sigs)) -}}
{{- include "otelgen.fail" (dict "id" "E011" "path" $path "msg" (printf "%s does not support %s (it handles %s)" $ref $signal (join ", " $sigs)) "hint" (printf "move it to a %s pipeline" (join " or " $sigs))) -}}
{{- else if and $comp $comp.declaration.signal_checks -}}
{{- $c := get (get $sections $role) $ref | default dict -}}
{{- $bad := (include "otelgen.decl.checks" (dict "checks" $comp.declaration.signal_checks "doc" $c "version" $.version "ctx" (dict "signal" $signal)) | fromJson).bad -}}
{{- if $bad -}}
{{- include "otelgen.fail" (dict "id" "E011" "path" $path "msg" (printf "%s: %s" $ref (index $bad 1)) "hint" (printf "set it, or move %s to a pipeline it has an endpoint for" $ref)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $name := $connectors | sortAlpha -}}
{{- $out := get $asExporter $name | default list -}}
{{- $in := get $asReceiver $name | default list -}}
{{- $path := printf "spec.connectors.%s" $name -}}
{{- if and (or $out $in) (not (and $out $in)) -}}
{{- include "otelgen.fail" (dict "id" "E012" "path" $path "msg" (printf "connector %s is used only as %s" $name (ternary "a receiver" "an exporter" (not $out))) "hint" (printf "list it as %s of another pipeline too" (ternary "an exporter" "a receiver" (not $out)))) -}}
{{- end -}}
{{- $comp := get $data.components.connectors (include "otelgen.typeOf" $name) -}}
{{- $connects := list -}}
{{- if $comp -}}{{- $connects = $comp.connects -}}
{{- else if ne $spec.distribution "custom" -}}{{- $connects = get (get $data.catalogSignals $spec.distribution | default dict).connectors (include "otelgen.typeOf" $name) | default list -}}
{{- end -}}
{{- if and $out $in $connects -}}
{{- $pairs := list -}}
{{- range $pair := $connects -}}{{- $pairs = append $pairs (join "->" $pair) -}}{{- end -}}
{{- range $s := $out | sortAlpha -}}
{{- $ok := false -}}
{{- range $t := $in -}}{{- if has (printf "%s->%s" $s $t) $pairs -}}{{- $ok = true -}}{{- end -}}{{- end -}}
{{- if not $ok -}}
{{- include "otelgen.fail" (dict "id" "E011" "path" $path "msg" (printf "connector %s cannot take %s to %s" $name $s (join ", " ($in | sortAlpha))) "hint" (printf "it connects %s" (join ", " $pairs))) -}}
{{- end -}}
{{- end -}}
{{- range $t := $in | sortAlpha -}}
{{- $ok := false -}}
{{- range $s := $out -}}{{- if has (printf "%s->%s" $s $t) $pairs -}}{{- $ok = true -}}{{- end -}}{{- end -}}
{{- if not $ok -}}
{{- include "otelgen.fail" (dict "id" "E011" "path" $path "msg" (printf "connector %s cannot produce %s from %s" $name $t (join ", " ($out | sortAlpha))) "hint" (printf "it connects %s" (join ", " $pairs))) -}}
{{- end -}}
{{- end -}}
{{- if $comp -}}
{{- $cfg := get $sections.connectors $name | default dict -}}
{{- $refs := list -}}
{{- range $at := $comp.declaration.pipeline_refs -}}
{{- range $ref := include "otelgen.decl.found" (dict "doc" $cfg "path" $at) | fromJsonArray -}}{{- $refs = append $refs (list (printf "%s%s" $path (index $ref 0)) (index $ref 1)) -}}{{- end -}}
{{- end -}}
{{- range $ref := $refs -}}
{{- $target := index $ref 1 -}}
{{- if not (hasKey $pipelines $target) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (index $ref 0) "msg" (printf "pipeline '%s' does not exist" $target) "hint" (printf "pipelines: %s" (join ", " (keys $pipelines | sortAlpha)))) -}}
{{- else if not (has $name (get $pipelines $target).receivers) -}}
{{- include "otelgen.fail" (dict "id" "E012" "path" (index $ref 0) "msg" (printf "pipeline '%s' does not receive from %s" $target $name) "hint" (printf "add %s to spec.pipelines.%s.receivers" $name $target)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $name := keys ($.spec.networkPolicy.exporterTo | default dict) | sortAlpha -}}
{{- if not (hasKey $sections.exporters $name) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "spec.networkPolicy.exporterTo.%s" $name) "msg" (printf "'%s' is not defined under spec.exporters" $name) "hint" (printf "defined: %s" (join ", " (keys $sections.exporters | sortAlpha) | default "none"))) -}}
{{- end -}}
{{- end -}}
{{- range $pname := keys $pipelines | sortAlpha -}}
{{- $procs := (get $pipelines $pname).processors -}}
{{- $orders := list -}}
{{- range $ref := $procs -}}
{{- $comp := get $data.components.processors (include "otelgen.typeOf" $ref) -}}
{{- $order := "" -}}
{{- if and $comp (hasKey $sections.processors $ref) -}}{{- $order = $comp.order | default "" -}}{{- end -}}
{{- $orders = append $orders $order -}}
{{- end -}}
{{- range $i, $order := $orders -}}
{{- $path := printf "spec.pipelines.%s.processors[%d]" $pname $i -}}
{{- if and (eq $order "first") (ne $i 0) -}}
{{- include "otelgen.fail" (dict "id" "E013" "path" $path "msg" (printf "%s must be the first processor (it is at position %d)" (index $procs $i) $i) "hint" (printf "move %s to the front so it can refuse data before other processors spend memory" (include "otelgen.typeOf" (index $procs $i)))) -}}
{{- end -}}
{{- if eq $order "batch" -}}
{{- $late := list -}}
{{- range $j, $o := $orders -}}{{- if and (gt $j $i) (eq $o "before_batch") -}}{{- $late = append $late (index $procs $j) -}}{{- end -}}{{- end -}}
{{- if $late -}}
{{- include "otelgen.fail" (dict "id" "E013" "path" $path "msg" (printf "%s runs before %s" (index $procs $i) (join ", " $late)) "hint" (printf "put %s after %s (batching drops the request context they rely on)" (include "otelgen.typeOf" (index $procs $i)) (join ", " $late))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* Extensions that used components name must be defined: {data, sections, section, name, cfg} */ -}}
{{- define "otelgen.checkExtensionRefs" -}}
{{- $comp := get (get .data.components .section) (include "otelgen.typeOf" .name) -}}
{{- if $comp -}}
{{- include "otelgen.checkVerbatimExtensionRefs" (dict "v" (.cfg.extra | default dict) "path" (printf "spec.%s.%s.extra" .section .name) "sections" .sections) -}}
{{- else -}}
{{- include "otelgen.checkVerbatimExtensionRefs" (dict "v" .cfg "path" (printf "spec.%s.%s" .section .name) "sections" .sections) -}}
{{- end -}}
{{- if $comp -}}
{{- range $fieldPath := $comp.extensionFields -}}
{{- $value := $.cfg -}}
{{- range $part := $fieldPath -}}{{- if kindIs "map" $value -}}{{- $value = get $value $part -}}{{- else -}}{{- $value = "" -}}{{- end -}}{{- end -}}
{{- if and $value (not (hasKey $.sections.extensions $value)) -}}
{{- $defined := keys $.sections.extensions | sortAlpha -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "spec.%s.%s.%s" $.section $.name (join "." $fieldPath)) "msg" (printf "extension '%s' is not defined under spec.extensions" $value) "hint" (printf "defined: %s" (join ", " $defined | default "none"))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* The spec model's own validators that JSON Schema cannot express (otelgen.spec.model). Input: {data, spec}. */ -}}
{{- define "otelgen.checkSpec" -}}
{{- $spec := .spec -}}
{{- $data := .data -}}
{{- $v := toString $spec.collectorVersion -}}
{{- if not (regexMatch "^[0-9]+\\.[0-9]+\\.[0-9]+$" $v) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.collectorVersion" "msg" (printf "not a collector version: '%s' (expected X.Y.Z, e.g. %s)" $v $data.versions.pinned) "hint" "fix the value") -}}
{{- end -}}
{{- if not (semverCompare (printf ">=%s" $data.versions.minimum) $v) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.collectorVersion" "msg" (printf "collector %s is older than otelgen supports (component names are known from %s on)" $v $data.versions.minimum) "hint" "fix the value") -}}
{{- end -}}
{{- if eq (toString $spec.image.tag | trim) "latest" -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.image.tag" "msg" "image tag must be pinned to a version, not 'latest'" "hint" "fix the value") -}}
{{- end -}}
{{- if not $spec.pipelines -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.pipelines" "msg" "Dictionary should have at least 1 item after validation, not 0 (got {})" "hint" "check the type of this value") -}}
{{- end -}}
{{- range $pname := keys $spec.pipelines | sortAlpha -}}
{{- range $role := list "receivers" "exporters" -}}
{{- if not (hasKey (get $spec.pipelines $pname) $role) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (printf "spec.pipelines.%s.%s" $pname $role) "msg" "required field is missing" "hint" "add it") -}}
{{- else if not (get (get $spec.pipelines $pname) $role) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (printf "spec.pipelines.%s.%s" $pname $role) "msg" "List should have at least 1 item after validation, not 0 (got [])" "hint" "check the type of this value") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $pname := keys $spec.pipelines | sortAlpha -}}
{{- if not (regexMatch "^(traces|metrics|logs)(/[A-Za-z0-9_.-]+)?$" $pname) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.pipelines" "msg" (printf "pipeline '%s': name must be traces, metrics or logs, optionally followed by /name (e.g. traces/sampled)" $pname) "hint" "fix the value") -}}
{{- end -}}
{{- end -}}
{{- range $part := list "requests" "limits" -}}
{{- range $field, $q := get $spec.resources $part -}}
{{- if not (regexMatch "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$" (toString $q | trim)) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (printf "spec.resources.%s.%s" $part $field) "msg" (printf "not a Kubernetes quantity: '%s' (e.g. 512Mi, 1Gi, 250m, 2)" (toString $q)) "hint" "fix the value") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if ge (int $spec.memory.spikeLimitPercentage) (int $spec.memory.limitPercentage) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.memory" "msg" "spikeLimitPercentage must be below limitPercentage" "hint" "fix the value") -}}
{{- end -}}
{{- $auto := $spec.scaling.autoscaling -}}
{{- if lt (int $auto.maxReplicas) (int $auto.minReplicas) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.scaling.autoscaling" "msg" "maxReplicas must be at least minReplicas" "hint" "fix the value") -}}
{{- end -}}
{{- if and $auto.enabled (kindIs "invalid" $auto.targetCPUUtilizationPercentage) (kindIs "invalid" $auto.targetMemoryUtilizationPercentage) (not $auto.metrics) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.scaling.autoscaling" "msg" "autoscaling needs a CPU or memory utilization target or metrics" "hint" "fix the value") -}}
{{- end -}}
{{- if not (kindIs "invalid" $spec.tls) -}}
{{- if eq (empty $spec.tls.secretName) (empty $spec.tls.certManager) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" "spec.tls" "msg" "set exactly one of secretName or certManager" "hint" "fix the value") -}}
{{- end -}}
{{- end -}}
{{- range $i, $e := $spec.pod.env -}}
{{- if ne 1 (len (without (list (kindIs "invalid" $e.value) (kindIs "invalid" $e.secretRef) (kindIs "invalid" $e.valueFrom)) true)) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (printf "spec.pod.env[%d]" $i) "msg" "set exactly one of value, secretRef or valueFrom" "hint" "fix the value") -}}
{{- end -}}
{{- end -}}
{{- $np := $spec.networkPolicy -}}
{{- $peers := list -}}
{{- range $i, $p := $np.ingressFrom -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.ingressFrom[%d]" $i) $p) -}}{{- end -}}
{{- range $i, $p := $np.metricsFrom -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.metricsFrom[%d]" $i) $p) -}}{{- end -}}
{{- range $i, $p := $np.exposureFrom -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.exposureFrom[%d]" $i) $p) -}}{{- end -}}
{{- range $exp := keys $np.exporterTo | sortAlpha -}}{{- range $i, $p := get $np.exporterTo $exp -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.exporterTo.%s[%d]" $exp $i) $p) -}}{{- end -}}{{- end -}}
{{- range $i, $rule := $np.egress -}}{{- range $j, $p := $rule.to -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.egress[%d].to[%d]" $i $j) $p) -}}{{- end -}}{{- end -}}
{{- range $pair := $peers -}}
{{- $p := index $pair 1 -}}
{{- if and $p.ipBlock (or $p.namespaceSelector $p.podSelector) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (index $pair 0) "msg" "ipBlock cannot be combined with selectors in one peer" "hint" "fix the value") -}}
{{- end -}}
{{- if not (or $p.ipBlock $p.namespaceSelector $p.podSelector) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (index $pair 0) "msg" "a peer needs namespaceSelector, podSelector or ipBlock" "hint" "fix the value") -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* A component's required fields and its declared checks (Declaration.checks, run by
otelgen.components.declare.check in Python): {checks, version, path, required, cfg (defaults applied)} */ -}}
{{- define "otelgen.checkComponent" -}}
{{- $c := .cfg -}}
{{- $path := .path -}}
{{- range $field := .required -}}
{{- if not (hasKey $c $field) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (printf "%s.%s" $path $field) "msg" "required field is missing" "hint" "add it") -}}
{{- end -}}
{{- end -}}
{{- $bad := (include "otelgen.decl.checks" (dict "checks" (.checks | default list) "doc" $c "version" .version) | fromJson).bad -}}
{{- if $bad -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (printf "%s%s" $path (index $bad 0)) "msg" (index $bad 1) "hint" "fix the value") -}}
{{- end -}}
{{- end -}}

{{- /* The first of the checks that fails: {checks, doc, version} → {"bad": [path suffix, message]}
or {"bad": null}.  The vocabulary: docs/declarations.md, "Checks". */ -}}
{{- define "otelgen.decl.checks" -}}
{{- $bad := list -}}
{{- range $c := .checks -}}
{{- if not $bad -}}
{{- $bad = (include "otelgen.decl.check" (dict "c" $c "doc" $.doc "version" $.version "ctx" ($.ctx | default dict)) | fromJson).bad | default list -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "bad" $bad) -}}
{{- end -}}

{{- define "otelgen.decl.check" -}}
{{- $c := .c -}}
{{- $doc := .doc -}}
{{- $at := "" -}}
{{- if $c.at -}}
{{- $doc = (include "otelgen.decl.get" (dict "doc" .doc "path" $c.at) | fromJson).v -}}
{{- $at = printf ".%s" $c.at -}}
{{- end -}}
{{- $names := dict "version" .version -}}
{{- $fail := false -}}
{{- $msg := $c.message -}}
{{- $bad := list -}}
{{- if or (not $c.when) (include "otelgen.decl.holds" (dict "tests" $c.when "doc" $doc "ctx" .ctx)) -}}
{{- $v := dict -}}
{{- if $c.path -}}{{- $v = (include "otelgen.decl.get" (dict "doc" $doc "path" $c.path) | fromJson).v -}}{{- end -}}
{{- if eq $c.kind "count" -}}
{{- $given := list -}}
{{- range $t := $c.tests -}}
{{- if include "otelgen.decl.holds" (dict "tests" (list $t) "doc" $doc "ctx" $.ctx) -}}{{- $given = append $given $t.path -}}{{- end -}}
{{- end -}}
{{- $_ := set $names "given" (join ", " $given) -}}
{{- $fail = or (lt (len $given) (int $c.min)) (and (not (kindIs "invalid" $c.max)) (gt (len $given) (int $c.max))) -}}
{{- else if eq $c.kind "less" -}}
{{- $b := (include "otelgen.decl.get" (dict "doc" $doc "path" $c.than) | fromJson).v -}}
{{- if and (or (kindIs "float64" $v) (kindIs "int64" $v) (kindIs "int" $v)) (or (kindIs "float64" $b) (kindIs "int64" $b) (kindIs "int" $b)) -}}
{{- if ne (float64 $b) 0.0 -}}
{{- $fail = ternary (gt (float64 $v) (float64 $b)) (ge (float64 $v) (float64 $b)) (not (not $c.equal)) -}}
{{- end -}}
{{- end -}}
{{- else if eq $c.kind "prefix" -}}
{{- $_ := set $names "value" $v -}}
{{- if not (empty $v) -}}
{{- $ok := false -}}
{{- if kindIs "string" $v -}}{{- range $p := $c.value -}}{{- if hasPrefix $p $v -}}{{- $ok = true -}}{{- end -}}{{- end -}}{{- end -}}
{{- $fail = not $ok -}}
{{- end -}}
{{- else if eq $c.kind "dir" -}}
{{- $_ := set $names "value" $v -}}
{{- if kindIs "string" $v -}}
{{- $d := dir (clean $v) -}}
{{- range $r := $c.value -}}{{- if or (eq $d $r) (and (ne $r "/") (hasPrefix (printf "%s/" $r) $d)) -}}{{- $fail = true -}}{{- end -}}{{- end -}}
{{- end -}}
{{- else if eq $c.kind "member" -}}
{{- $table := $c.table -}}
{{- $jt := list -}}
{{- if kindIs "map" $table -}}
{{- $_ := set $names "known" (join ", " (keys $table | sortAlpha)) -}}
{{- else -}}
{{- $_ := set $names "known" (join ", " $table) -}}
{{- range $t := $table -}}{{- $jt = append $jt (toJson $t) -}}{{- end -}}
{{- end -}}
{{- $items := list -}}
{{- if kindIs "slice" $v -}}
{{- range $i, $x := $v -}}
{{- $iv := $x -}}
{{- if $c.item -}}{{- $iv = (include "otelgen.decl.get" (dict "doc" $x "path" $c.item) | fromJson).v -}}{{- end -}}
{{- $items = append $items (list $i $iv) -}}
{{- end -}}
{{- else if not (kindIs "invalid" $v) -}}
{{- $items = list (list nil $v) -}}
{{- end -}}
{{- range $pair := $items -}}
{{- if not $fail -}}
{{- $iv := index $pair 1 -}}
{{- $_ := set $names "index" (index $pair 0) -}}
{{- $_ := set $names "value" $iv -}}
{{- if kindIs "map" $table -}}
{{- if not (and (kindIs "string" $iv) (hasKey $table $iv)) -}}
{{- $fail = true -}}
{{- else if and $c.newer (not (semverCompare (printf ">=%s" (get $table $iv)) $.version)) -}}
{{- $_ := set $names "since" (get $table $iv) -}}
{{- $msg = $c.newer -}}
{{- $fail = true -}}
{{- end -}}
{{- else if not (has (toJson $iv) $jt) -}}
{{- $fail = true -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- else if eq $c.kind "unique" -}}
{{- $seen := list -}}
{{- range $t := $c.table | default list -}}{{- $seen = append $seen (toJson $t) -}}{{- end -}}
{{- range $i, $x := (kindIs "slice" $v | ternary $v list) -}}
{{- if not $fail -}}
{{- $iv := $x -}}
{{- if $c.item -}}{{- $iv = (include "otelgen.decl.get" (dict "doc" $x "path" $c.item) | fromJson).v -}}{{- end -}}
{{- if not (kindIs "invalid" $iv) -}}
{{- if has (toJson $iv) $seen -}}
{{- $_ := set $names "index" $i -}}
{{- $_ := set $names "value" $iv -}}
{{- $fail = true -}}
{{- end -}}
{{- $seen = append $seen (toJson $iv) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- else if eq $c.kind "each" -}}
{{- range $i, $item := (kindIs "slice" $v | ternary $v list) -}}
{{- if and (not $bad) (kindIs "map" $item) -}}
{{- $low := dict -}}
{{- range $k, $x := $item -}}{{- $_ := set $low $k (ternary (lower (toString $x)) $x (and (has $k ($c.lower | default list)) (kindIs "string" $x))) -}}{{- end -}}
{{- $inner := (include "otelgen.decl.checks" (dict "checks" $c.checks "doc" $low "version" $.version "ctx" $.ctx) | fromJson).bad -}}
{{- if $inner -}}{{- $bad = list (printf "%s.%s[%d]%s" $at $c.path $i (index $inner 0)) (index $inner 1) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $fail -}}
{{- $bad = list $at (include "otelgen.decl.message" (dict "template" $msg "doc" $doc "names" $names)) -}}
{{- end -}}
{{- toJson (dict "bad" $bad) -}}
{{- end -}}

{{- /* the values at an a[].b[] path with where they are: {doc, path} → [[".a[0].b[1]", value], ...] */ -}}
{{- define "otelgen.decl.found" -}}
{{- $found := list (list "" .doc) -}}
{{- range $part := splitList "." .path -}}
{{- $many := hasSuffix "[]" $part -}}
{{- $key := trimSuffix "[]" $part -}}
{{- $next := list -}}
{{- range $f := $found -}}
{{- $item := index $f 1 -}}
{{- if and (kindIs "map" $item) (hasKey $item $key) -}}
{{- $v := get $item $key -}}
{{- if and $many (kindIs "slice" $v) -}}
{{- range $i, $x := $v -}}{{- $next = append $next (list (printf "%s.%s[%d]" (index $f 0) $key $i) $x) -}}{{- end -}}
{{- else if and (not $many) (not (kindIs "invalid" $v)) -}}
{{- $next = append $next (list (printf "%s.%s" (index $f 0) $key) $v) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $found = $next -}}
{{- end -}}
{{- toJson $found -}}
{{- end -}}

{{- /* a check's message: {{path}} the value at a path of the doc, {{@name}} a name the check sets */ -}}
{{- define "otelgen.decl.message" -}}
{{- $msg := .template -}}
{{- range $ph := regexFindAll "\\{\\{@?[A-Za-z0-9_.]+\\}\\}" .template -1 | uniq -}}
{{- $name := trimSuffix "}}" (trimPrefix "{{" $ph) -}}
{{- $v := "" -}}
{{- if hasPrefix "@" $name -}}{{- $v = get $.names (trimPrefix "@" $name) -}}{{- else -}}{{- $v = (include "otelgen.decl.get" (dict "doc" $.doc "path" $name) | fromJson).v -}}{{- end -}}
{{- $text := "" -}}
{{- if kindIs "string" $v -}}{{- $text = $v -}}{{- else if not (kindIs "invalid" $v) -}}{{- $text = toJson $v -}}{{- end -}}
{{- $msg = replace $ph $text $msg -}}
{{- end -}}
{{- $msg -}}
{{- end -}}

{{- /* null left after merging the defaults (nothing to delete) where the model takes no null,
like pydantic's validation of the merged document: {desc, value, path} */ -}}
{{- define "otelgen.checkNulls" -}}
{{- $d := .desc -}}
{{- if and (eq $d.t "model") (kindIs "map" .value) -}}
{{- range $k := keys .value | sortAlpha -}}
{{- $x := get $.value $k -}}
{{- $path := printf "%s.%s" $.path $k -}}
{{- if and (kindIs "invalid" $x) (has $k $d.notNull) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" $path "msg" "null is not allowed here (nothing to delete)" "hint" "check the type of this value") -}}
{{- else if hasKey $d.fields $k -}}
{{- include "otelgen.checkNulls" (dict "desc" (get $d.fields $k) "value" $x "path" $path) -}}
{{- end -}}
{{- end -}}
{{- else if and (eq $d.t "list") (kindIs "slice" .value) -}}
{{- range $i, $x := .value -}}
{{- if and (kindIs "invalid" $x) (not $d.nullItems) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (printf "%s[%d]" $.path $i) "msg" "null is not allowed here" "hint" "check the type of this value") -}}
{{- end -}}
{{- include "otelgen.checkNulls" (dict "desc" $d.of "value" $x "path" (printf "%s[%d]" $.path $i)) -}}
{{- end -}}
{{- else if and (eq $d.t "dict") (kindIs "map" .value) -}}
{{- range $k := keys .value | sortAlpha -}}
{{- if and (kindIs "invalid" (get $.value $k)) (not $d.nullItems) -}}
{{- include "otelgen.fail" (dict "id" "E004" "path" (printf "%s.%s" $.path $k) "msg" "null is not allowed here (nothing to delete)" "hint" "check the type of this value") -}}
{{- end -}}
{{- include "otelgen.checkNulls" (dict "desc" $d.of "value" (get $.value $k) "path" (printf "%s.%s" $.path $k)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /*
What the API server validates, on values from the spec (otelgen.manifests.apivalidation.spec_problems),
run at the same point: after the plan is complete. Repeats E055 (names), E056 (label keys and values,
annotation and taint keys; and the release name as a DNS-1035 label), E058 (CIDRs: IPv4 strictly, IPv6 by shape), E059 (requests <= limits),
E060 (memory range), E062 (pod labels on the selector). Not repeated (the chart derives the same
ports and mounts, and the parity strategies do not reach them): E057 port names, E061 mountPaths,
the annotations' total size. Input: {spec, mode, requests, limits, selector}.
*/ -}}
{{- define "otelgen.isDNS1123Label" -}}
{{- if and (kindIs "string" .) (le (len .) 63) (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" .) -}}true{{- end -}}
{{- end -}}

{{- define "otelgen.isDNS1123Subdomain" -}}
{{- if and (kindIs "string" .) (le (len .) 253) (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" .) -}}true{{- end -}}
{{- end -}}

{{- define "otelgen.isQualifiedName" -}}
{{- $parts := splitList "/" (toString .) -}}
{{- $name := last $parts -}}
{{- $ok := and (le (len $parts) 2) (gt (len $name) 0) (le (len $name) 63) (regexMatch "^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$" $name) -}}
{{- if and $ok (eq (len $parts) 2) -}}{{- $ok = include "otelgen.isDNS1123Subdomain" (first $parts) -}}{{- end -}}
{{- if $ok -}}true{{- end -}}
{{- end -}}

{{- define "otelgen.checkLabels" -}}
{{- range $key := keys (.labels | default dict) | sortAlpha -}}
{{- if not (include "otelgen.isQualifiedName" $key) -}}
{{- include "otelgen.fail" (dict "id" "E056" "path" $.path "msg" (printf "'%s' is not a valid %s key" $key (ternary "label" "annotation" $.values)) "hint" "an optional DNS subdomain prefix and '/', then ≤63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. example.com/team)") -}}
{{- end -}}
{{- $v := get $.labels $key -}}
{{- if and $.values (not (and (kindIs "string" $v) (le (len $v) 63) (regexMatch "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$" $v))) -}}
{{- include "otelgen.fail" (dict "id" "E056" "path" (printf "%s.%s" $.path $key) "msg" (printf "'%v' is not a valid label value" $v) "hint" "≤63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (or empty)") -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* "value prefix" of a strict IPv4 CIDR as JSON, or {"error": ...}; IPv6 by shape only */ -}}
{{- define "otelgen.cidr" -}}
{{- $c := toString . -}}
{{- $octet := "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])" -}}
{{- if regexMatch (printf "^%s\\.%s\\.%s\\.%s/([0-9]|[12][0-9]|3[0-2])$" $octet $octet $octet $octet) $c -}}
{{- $addr := splitList "." (first (splitList "/" $c)) -}}
{{- $prefix := atoi (last (splitList "/" $c)) -}}
{{- $value := add (mul (atoi (index $addr 0)) 16777216) (mul (atoi (index $addr 1)) 65536) (mul (atoi (index $addr 2)) 256) (atoi (index $addr 3)) -}}
{{- $block := 1 -}}{{- range until (sub 32 $prefix | int) -}}{{- $block = mul $block 2 -}}{{- end -}}
{{- if ne (mod $value $block) 0 -}}{{- dict "error" (printf "%s has host bits set" $c) | toJson -}}{{- else -}}{{- dict "v4" true "value" $value "prefix" $prefix "block" $block | toJson -}}{{- end -}}
{{- else if and (contains ":" $c) (regexMatch "^[0-9a-fA-F:.]+/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$" $c) -}}
{{- dict "v4" false | toJson -}}
{{- else if not (contains "/" $c) -}}
{{- dict "error" "expected a CIDR such as 10.0.0.0/8 or fd00::/8" | toJson -}}
{{- else -}}
{{- dict "error" (printf "'%s' does not appear to be an IPv4 or IPv6 network" $c) | toJson -}}
{{- end -}}
{{- end -}}

{{- define "otelgen.quantityValue" -}}
{{- $q := toString . | trim -}}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" $q -}}
{{- $factors := dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- mulf (float64 $num) (get $factors (trimPrefix $num $q)) -}}
{{- end -}}

{{- define "otelgen.checkApi" -}}
{{- $spec := .spec -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" .name) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "metadata.name" "msg" (printf "'%s' is not a DNS-1035 label, which the Service name '%s' must be" .name .name) "hint" "lowercase letters, digits and '-', starting with a letter and ending with a letter or digit") -}}
{{- end -}}
{{- if not (include "otelgen.isDNS1123Label" .namespace) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "metadata.namespace" "msg" (printf "'%s' is not a DNS-1123 label" .namespace) "hint" "lowercase letters, digits and '-', starting and ending with a letter or digit, ≤63") -}}
{{- end -}}
{{- $pod := $spec.pod -}}
{{- include "otelgen.checkLabels" (dict "path" "spec.pod.labels" "labels" $pod.labels "values" true) -}}
{{- include "otelgen.checkLabels" (dict "path" "spec.pod.annotations" "labels" $pod.annotations "values" false) -}}
{{- include "otelgen.checkLabels" (dict "path" "spec.pod.nodeSelector" "labels" $pod.nodeSelector "values" true) -}}
{{- include "otelgen.checkLabels" (dict "path" "spec.service.annotations" "labels" $spec.service.annotations "values" false) -}}
{{- include "otelgen.checkLabels" (dict "path" "spec.serviceMonitor.labels" "labels" $spec.serviceMonitor.labels "values" true) -}}
{{- include "otelgen.checkLabels" (dict "path" "spec.podMonitor.labels" "labels" $spec.podMonitor.labels "values" true) -}}
{{- include "otelgen.checkLabels" (dict "path" "spec.alerts.labels" "labels" $spec.alerts.labels "values" true) -}}
{{- range $key := keys .selector | sortAlpha -}}
{{- if hasKey ($pod.labels | default dict) $key -}}
{{- include "otelgen.fail" (dict "id" "E062" "path" (printf "spec.pod.labels.%s" $key) "msg" (printf "pod label '%s' is part of the workload's selector; changing it leaves the selector matching no pod" $key) "hint" "use another label key") -}}
{{- end -}}
{{- end -}}
{{- range $i, $t := $pod.tolerations -}}
{{- if and $t.key (not (include "otelgen.isQualifiedName" $t.key)) -}}
{{- include "otelgen.fail" (dict "id" "E056" "path" (printf "spec.pod.tolerations[%d].key" $i) "msg" (printf "'%s' is not a valid taint key" $t.key) "hint" "a label key, e.g. node-role.kubernetes.io/infra") -}}
{{- end -}}
{{- end -}}
{{- $subdomain := "lowercase letters, digits, '-' and '.'" -}}
{{- if and (not (kindIs "invalid" $pod.priorityClassName)) (not (include "otelgen.isDNS1123Subdomain" $pod.priorityClassName)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "spec.pod.priorityClassName" "msg" (printf "'%s' is not a DNS-1123 subdomain" $pod.priorityClassName) "hint" $subdomain) -}}
{{- end -}}
{{- range $i, $e := $pod.env -}}
{{- if and $e.secretRef (not (include "otelgen.isDNS1123Subdomain" $e.secretRef.name)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" (printf "spec.pod.env[%d].secretRef.name" $i) "msg" (printf "'%s' is not a valid Secret name (DNS-1123 subdomain)" $e.secretRef.name) "hint" $subdomain) -}}
{{- end -}}
{{- end -}}
{{- if and (not .traits.workload) (not (include "otelgen.isDNS1123Label" $spec.sidecar.containerName)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "spec.sidecar.containerName" "msg" (printf "'%s' is not a DNS-1123 label (container names are)" $spec.sidecar.containerName) "hint" "lowercase letters, digits and '-'") -}}
{{- end -}}
{{- with $spec.tls -}}
{{- if and .secretName (not (include "otelgen.isDNS1123Subdomain" .secretName)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "spec.tls.secretName" "msg" (printf "'%s' is not a valid Secret name (DNS-1123 subdomain)" .secretName) "hint" $subdomain) -}}
{{- end -}}
{{- if and .clientCA (not (include "otelgen.isDNS1123Subdomain" .clientCA.name)) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "spec.tls.clientCA.name" "msg" (printf "'%s' is not a valid Secret name (DNS-1123 subdomain)" .clientCA.name) "hint" $subdomain) -}}
{{- end -}}
{{- end -}}
{{- $np := $spec.networkPolicy -}}
{{- $peers := list -}}
{{- range $i, $p := $np.ingressFrom -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.ingressFrom[%d]" $i) $p) -}}{{- end -}}
{{- range $i, $p := $np.metricsFrom -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.metricsFrom[%d]" $i) $p) -}}{{- end -}}
{{- range $i, $p := $np.exposureFrom -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.exposureFrom[%d]" $i) $p) -}}{{- end -}}
{{- range $exp := keys $np.exporterTo | sortAlpha -}}{{- range $i, $p := get $np.exporterTo $exp -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.exporterTo.%s[%d]" $exp $i) $p) -}}{{- end -}}{{- end -}}
{{- range $i, $rule := $np.egress -}}{{- range $j, $p := $rule.to -}}{{- $peers = append $peers (list (printf "spec.networkPolicy.egress[%d].to[%d]" $i $j) $p) -}}{{- end -}}{{- end -}}
{{- range $pair := $peers -}}
{{- $path := index $pair 0 -}}
{{- $p := index $pair 1 -}}
{{- range $field := list "namespaceSelector" "podSelector" -}}
{{- with get $p $field -}}{{- include "otelgen.checkLabels" (dict "path" (printf "%s.%s.matchLabels" $path $field) "labels" .matchLabels "values" true) -}}{{- end -}}
{{- end -}}
{{- with $p.ipBlock -}}
{{- $c := include "otelgen.cidr" .cidr | fromJson -}}
{{- if $c.error -}}
{{- include "otelgen.fail" (dict "id" "E058" "path" (printf "%s.ipBlock.cidr" $path) "msg" (printf "'%s' is not a valid CIDR: %s" (toString .cidr) $c.error) "hint" "e.g. 10.0.0.0/8 (the network address, no host bits)") -}}
{{- end -}}
{{- range $j, $x := .except -}}
{{- $e := include "otelgen.cidr" $x | fromJson -}}
{{- if $e.error -}}
{{- include "otelgen.fail" (dict "id" "E058" "path" (printf "%s.ipBlock.except[%d]" $path $j) "msg" (printf "'%s' is not a valid CIDR: %s" (toString $x) $e.error) "hint" "e.g. 10.1.0.0/16") -}}
{{- else if and $c.v4 $e.v4 (not (and (gt (int64 $e.prefix) (int64 $c.prefix)) (eq (div (int64 $e.value) (int64 $c.block)) (div (int64 $c.value) (int64 $c.block))))) -}}
{{- include "otelgen.fail" (dict "id" "E058" "path" (printf "%s.ipBlock.except[%d]" $path $j) "msg" (printf "'%s' is not a strict subset of %s" $x $p.ipBlock.cidr) "hint" "the API server requires except ranges inside cidr") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $field := list (list "spec.networkPolicy.apiServer.cidrs" $np.apiServer.cidrs) (list "spec.networkPolicy.kubeletCidrs" $np.kubeletCidrs) -}}
{{- range $i, $x := index $field 1 -}}
{{- $c := include "otelgen.cidr" $x | fromJson -}}
{{- if $c.error -}}
{{- include "otelgen.fail" (dict "id" "E058" "path" (printf "%s[%d]" (index $field 0) $i) "msg" (printf "'%s' is not a valid CIDR: %s" (toString $x) $c.error) "hint" "e.g. 10.0.0.1/32 for one address") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- include "otelgen.checkLabels" (dict "path" "spec.networkPolicy.dns.podLabels" "labels" $np.dns.podLabels "values" true) -}}
{{- if not (include "otelgen.isDNS1123Label" $np.dns.namespace) -}}
{{- include "otelgen.fail" (dict "id" "E055" "path" "spec.networkPolicy.dns.namespace" "msg" (printf "'%s' is not a DNS-1123 label" (toString $np.dns.namespace)) "hint" "e.g. kube-system") -}}
{{- end -}}
{{- range $res := keys .requests | sortAlpha -}}
{{- if hasKey $.limits $res -}}
{{- if gt (include "otelgen.quantityValue" (get $.requests $res) | float64) (include "otelgen.quantityValue" (get $.limits $res) | float64) -}}
{{- include "otelgen.fail" (dict "id" "E059" "path" (printf "spec.resources.requests.%s" (ternary "ephemeralStorage" $res (eq $res "ephemeral-storage"))) "msg" (printf "request %v is above the limit %v" (get $.requests $res) (get $.limits $res)) "hint" "the API server refuses requests above limits; raise the limit or lower the request") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with .limits.memory -}}
{{- $bytes := include "otelgen.quantityValue" . | float64 -}}
{{- if lt $bytes 134217728.0 -}}
{{- include "otelgen.fail" (dict "id" "E060" "path" "spec.resources.limits.memory" "msg" (printf "memory limit %v is below 128Mi: memory_limiter and GOMEMLIMIT are derived from it, and a collector needs this much before it handles any data" .) "hint" "give the collector between 128Mi and 1Ti (see docs/memory.md)") -}}
{{- else if gt $bytes 1099511627776.0 -}}
{{- include "otelgen.fail" (dict "id" "E060" "path" "spec.resources.limits.memory" "msg" (printf "memory limit %v is above 1Ti: no collector container needs it (a unit typo?), and from 8Ei on GOMEMLIMIT no longer fits the Go runtime's int64 and the collector refuses to start" .) "hint" "give the collector between 128Mi and 1Ti (see docs/memory.md)") -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* E015: a literal credential anywhere in the merged values (otelgen.spec.load.credential_problems
with the rules of otelgen.credentials, read from files/otelgen.json): {t, v, path, key} */ -}}
{{- define "otelgen.checkLiteralCredentials" -}}
{{- $t := .t -}}
{{- if kindIs "map" .v -}}
{{- $pairName := "" -}}
{{- range $k := $t.pairNames -}}{{- if and (not $pairName) (kindIs "string" (get $.v $k)) -}}{{- $pairName = get $.v $k -}}{{- end -}}{{- end -}}
{{- range $k := keys .v | sortAlpha -}}
{{- if include "otelgen.credentialWhy" (dict "t" $t "name" "" "v" $k "parent" "") -}}
{{- include "otelgen.fail" (dict "id" "E015" "path" (printf "%s.%s" $.path $t.redactedKey) "msg" "literal credential (a mapping key that looks like a credential); the value is not shown" "hint" $t.hint) -}}
{{- end -}}
{{- $x := get $.v $k -}}
{{- $p := printf "%s.%s" $.path $k -}}
{{- if or (kindIs "map" $x) (kindIs "slice" $x) -}}
{{- include "otelgen.checkLiteralCredentials" (dict "t" $t "v" $x "path" $p "key" $k) -}}
{{- else -}}
{{- $why := include "otelgen.credentialWhy" (dict "t" $t "name" $k "v" $x "parent" $.key) -}}
{{- if and (not $why) (eq $k "value") $pairName -}}{{- $why = include "otelgen.credentialWhy" (dict "t" $t "name" $pairName "v" $x "parent" "") -}}{{- end -}}
{{- if $why -}}
{{- if and (hasPrefix "spec.pod.env[" $p) (eq $k "value") -}}
{{- include "otelgen.fail" (dict "id" "E015" "path" $p "msg" (printf "env var holds a literal credential (%s); the value is not shown" $why) "hint" "take it from a Secret: {name: VAR, secretRef: {name: SECRET, key: KEY}} instead of value") -}}
{{- else -}}
{{- include "otelgen.fail" (dict "id" "E015" "path" $p "msg" (printf "literal credential (%s); the value is not shown" $why) "hint" $t.hint) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- else if kindIs "slice" .v -}}
{{- range $i, $x := .v -}}
{{- $p := printf "%s[%d]" $.path $i -}}
{{- if or (kindIs "map" $x) (kindIs "slice" $x) -}}
{{- include "otelgen.checkLiteralCredentials" (dict "t" $t "v" $x "path" $p "key" "") -}}
{{- else -}}
{{- $why := include "otelgen.credentialWhy" (dict "t" $t "name" "" "v" $x "parent" "") -}}
{{- if $why -}}
{{- include "otelgen.fail" (dict "id" "E015" "path" $p "msg" (printf "literal credential (%s); the value is not shown" $why) "hint" $t.hint) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* Why a value under a name is a literal credential, or "" (otelgen.credentials.literal): {t, name, v, parent} */ -}}
{{- define "otelgen.credentialWhy" -}}
{{- $t := .t -}}
{{- $v := .v -}}
{{- $lname := lower (trim (toString .name)) -}}
{{- if not (or (kindIs "invalid" $v) (kindIs "bool" $v)) -}}
{{- $why := "" -}}
{{- $credName := or (has $lname $t.vendorNames) (and $lname (regexMatch $t.name $lname) (not (regexMatch $t.reference $lname))) -}}
{{- if and (not $credName) .parent (has (printf "%s/%s" (lower (toString .parent)) $lname) $t.parentNames) -}}{{- $credName = true -}}{{- end -}}
{{- if $credName -}}
{{- $rest := regexReplaceAll $t.referenceValue (toString $v) "" | trim -}}
{{- $rest = regexReplaceAll $t.schemeWords $rest "" | trim -}}
{{- if and (not (has (lower $rest) $t.notASecret)) (regexMatch "[A-Za-z0-9]" $rest) -}}{{- $why = printf "'%s' names a credential" (toString .name) -}}{{- end -}}
{{- end -}}
{{- if and (not $why) (kindIs "string" $v) (trim $v) -}}
{{- range $pair := $t.values -}}{{- if and (not $why) (regexMatch (index $pair 1) $v) -}}{{- $why = index $pair 0 -}}{{- end -}}{{- end -}}
{{- if not $why -}}
{{- range $m := regexFindAll $t.userinfo $v -1 -}}
{{- $info := regexReplaceAll "^[A-Za-z][A-Za-z0-9+.-]*://" $m "" | trimSuffix "@" -}}
{{- if regexMatch "[A-Za-z0-9]" (regexReplaceAll $t.referenceValue $info "") -}}{{- $why = "user info in a URL" -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (not $why) (not (and $lname (or (regexMatch $t.reference $lname) (regexMatch $t.digestName $lname)))) -}}
{{- $generic := true -}}
{{- range $re := $t.generic -}}{{- if not (regexMatch $re $v) -}}{{- $generic = false -}}{{- end -}}{{- end -}}
{{- range $re := $t.genericNot -}}{{- if regexMatch $re $v -}}{{- $generic = false -}}{{- end -}}{{- end -}}
{{- if $generic -}}{{- $why = "a long random-looking token" -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- $why -}}
{{- end -}}
{{- end -}}

{{- /* E031: extra must not replace what otelgen derived (Planner._check_derived_overrides): {base, extra, path, ctx, envPrefix} */ -}}
{{- define "otelgen.checkDerivedOverrides" -}}
{{- range $k := keys .extra | sortAlpha -}}
{{- if and (kindIs "map" $.base) (hasKey $.base $k) -}}
{{- $b := get $.base $k -}}
{{- $x := get $.extra $k -}}
{{- if and (kindIs "map" $b) (kindIs "map" $x) -}}
{{- include "otelgen.checkDerivedOverrides" (dict "base" $b "extra" $x "path" (printf "%s.%s" $.path $k) "ctx" $.ctx "envPrefix" $.envPrefix) -}}
{{- else -}}
{{- $why := include "otelgen.derivedWhy" (dict "v" $b "key" $k "ctx" $.ctx "envPrefix" $.envPrefix) -}}
{{- if $why -}}
{{- include "otelgen.fail" (dict "id" "E031" "path" (printf "%s.%s" $.path $k) "msg" (printf "extra replaces %s" $why) "hint" "set it with the component's typed fields (e.g. port:, protocols.grpc.port:, headers/token as {secretRef: ...}); extra is for settings otelgen does not derive") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* what otelgen derived in a built config leaf or subtree (plan._derived): {v, key, ctx, envPrefix} */ -}}
{{- define "otelgen.derivedWhy" -}}
{{- $why := "" -}}
{{- if kindIs "map" .v -}}
{{- range $k := keys .v | sortAlpha -}}{{- if not $why -}}{{- $why = include "otelgen.derivedWhy" (dict "v" (get $.v $k) "key" $k "ctx" $.ctx "envPrefix" $.envPrefix) -}}{{- end -}}{{- end -}}
{{- else if kindIs "slice" .v -}}
{{- range $x := .v -}}{{- if not $why -}}{{- $why = include "otelgen.derivedWhy" (dict "v" $x "key" "" "ctx" $.ctx "envPrefix" $.envPrefix) -}}{{- end -}}{{- end -}}
{{- else if kindIs "string" .v -}}
{{- if contains (printf "${env:%s_" .envPrefix) .v -}}
{{- $why = "a value otelgen takes from a Secret" -}}
{{- else if and (eq (toString .key) "endpoint") (or (hasPrefix (printf "%s:" .ctx.bind_host) .v) (hasPrefix (printf "%s:" .ctx.pod_host) .v)) -}}
{{- $why = "the listening endpoint, whose port the container port, Service and NetworkPolicy follow" -}}
{{- end -}}
{{- end -}}
{{- $why -}}
{{- end -}}

{{- /* extensions named in verbatim settings (plan._verbatim_extension_refs): {v, path, sections} */ -}}
{{- define "otelgen.checkVerbatimExtensionRefs" -}}
{{- if kindIs "map" .v -}}
{{- range $k := keys .v | sortAlpha -}}
{{- $x := get $.v $k -}}
{{- if and (has $k (list "authenticator" "storage")) (kindIs "string" $x) (regexMatch "^[a-z][a-z0-9_]*(/[A-Za-z0-9_.-]+)?$" $x) -}}
{{- if not (hasKey $.sections.extensions $x) -}}
{{- include "otelgen.fail" (dict "id" "E010" "path" (printf "%s.%s" $.path $k) "msg" (printf "extension '%s' is not defined under spec.extensions" $x) "hint" (printf "defined: %s" (join ", " (keys $.sections.extensions | sortAlpha) | default "none"))) -}}
{{- end -}}
{{- else -}}
{{- include "otelgen.checkVerbatimExtensionRefs" (dict "v" $x "path" (printf "%s.%s" $.path $k) "sections" $.sections) -}}
{{- end -}}
{{- end -}}
{{- else if kindIs "slice" .v -}}
{{- range $i, $x := .v -}}
{{- include "otelgen.checkVerbatimExtensionRefs" (dict "v" $x "path" (printf "%s[%d]" $.path $i) "sections" $.sections) -}}
{{- end -}}
{{- end -}}
{{- end -}}
