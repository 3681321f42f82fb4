{{- /*
Generic helpers. Every helper that returns data returns JSON (wrapped in
{"v": ...} when the value is not a mapping); callers read it with fromJson.
The facts (defaults, names, tables) come from files/otelgen.json, which
`make generate` writes from otelgen's Python code.
*/ -}}

{{- define "otelgen.data" -}}
{{- .Files.Get "files/otelgen.json" -}}
{{- end -}}

{{- /* deep_merge(base, override): mappings merge, anything else replaces, null deletes. */ -}}
{{- define "otelgen.merge" -}}
{{- $out := deepCopy .base -}}
{{- range $k, $v := .override -}}
{{- if and (kindIs "invalid" $v) (hasKey $out $k) -}}
{{- $_ := unset $out $k -}}
{{- else if and (kindIs "map" $v) (kindIs "map" (get $out $k)) -}}
{{- $_ := set $out $k (include "otelgen.merge" (dict "base" (get $out $k) "override" $v) | fromJson) -}}
{{- else -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- /* What pydantic validation + model_dump(exclude_none) make of a value: defaults
filled in (also in nested models, lists and mappings of models), nulls left out. */ -}}
{{- define "otelgen.applyModel" -}}
{{- $d := .desc -}}
{{- $v := .value -}}
{{- $out := $v -}}
{{- if and (eq $d.t "model") (kindIs "map" $v) -}}
{{- $out = dict -}}
{{- range $k, $x := $v -}}
{{- if not (kindIs "invalid" $x) -}}
{{- if hasKey $d.fields $k -}}
{{- $_ := set $out $k (include "otelgen.applyModel" (dict "desc" (get $d.fields $k) "value" $x) | fromJson).v -}}
{{- else -}}
{{- $_ := set $out $k $x -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $k, $x := $d.defaults -}}
{{- if not (hasKey $v $k) -}}
{{- $_ := set $out $k $x -}}
{{- end -}}
{{- end -}}
{{- else if and (eq $d.t "list") (kindIs "slice" $v) -}}
{{- $out = list -}}
{{- range $x := $v -}}
{{- $out = append $out (include "otelgen.applyModel" (dict "desc" $d.of "value" $x) | fromJson).v -}}
{{- end -}}
{{- else if and (eq $d.t "dict") (kindIs "map" $v) -}}
{{- $out = dict -}}
{{- range $k, $x := $v -}}
{{- $_ := set $out $k (include "otelgen.applyModel" (dict "desc" $d.of "value" $x) | fromJson).v -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $out) -}}
{{- end -}}

{{- /* The type name a component has in a collector version: {names: [[since, name]...], version} */ -}}
{{- define "otelgen.typeName" -}}
{{- $chosen := index (index .names 0) 1 -}}
{{- $version := .version -}}
{{- range $pair := .names -}}
{{- if semverCompare (printf ">=%s" (index $pair 0)) $version -}}
{{- $chosen = index $pair 1 -}}
{{- end -}}
{{- end -}}
{{- $chosen -}}
{{- end -}}

{{- /* Container/Service port name: {instance, short} */ -}}
{{- define "otelgen.portName" -}}
{{- $parts := splitn "/" 2 .instance -}}
{{- if eq (index $parts "_1") "" -}}
{{- .short -}}
{{- else -}}
{{- regexReplaceAll "-+$" (printf "%s-%s" .short $parts._1 | trunc 15) "" | lower -}}
{{- end -}}
{{- end -}}

{{- /* An env var name unique to a component instance: {instance, parts} */ -}}
{{- define "otelgen.envName" -}}
{{- $raw := join "_" (concat (list .prefix .instance) .parts) -}}
{{- regexReplaceAll "[^A-Za-z0-9]" $raw "_" | upper -}}
{{- end -}}

{{- define "otelgen.mountSlug" -}}
{{- regexReplaceAll "^-+|-+$" (regexReplaceAll "[^a-z0-9]" (lower .) "-") "" -}}
{{- end -}}

{{- /* {prefix, instance}: a DNS-1123 label <= 63 chars */ -}}
{{- define "otelgen.volumeName" -}}
{{- regexReplaceAll "-+$" (printf "%s-%s" .prefix (include "otelgen.mountSlug" .instance) | trunc 63) "" -}}
{{- end -}}

{{- /* The port of scheme://host:port/path, host:port or :port (by scheme when absent); {"v": null} when unknown (otelgen/endpoints.py). */ -}}
{{- define "otelgen.endpointPort" -}}
{{- $rest := . -}}
{{- $scheme := "" -}}
{{- if contains "://" $rest -}}
{{- $p := splitn "://" 2 $rest -}}
{{- $scheme = $p._0 -}}
{{- $rest = $p._1 -}}
{{- end -}}
{{- $rest = (splitn "/" 2 $rest)._0 -}}
{{- $port := "" -}}
{{- if contains ":" $rest -}}
{{- $port = regexReplaceAll "^.*:" $rest "" -}}
{{- end -}}
{{- if regexMatch "^[0-9]+$" $port -}}
{{- toJson (dict "v" (atoi $port)) -}}
{{- else if contains "${" $rest -}}
{{- toJson (dict "v" nil) -}}
{{- else -}}
{{- toJson (dict "v" (get (dict "https" 443 "http" 80) (lower $scheme))) -}}
{{- end -}}
{{- end -}}

{{- /* Whole MiB in a Kubernetes memory quantity (rounded down). */ -}}
{{- define "otelgen.mebibytes" -}}
{{- $q := toString . | trim -}}
{{- $m := regexFindAll "^([0-9]+(\\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$" $q 1 -}}
{{- if not $m -}}
{{- fail (printf "not a Kubernetes quantity: %q (e.g. 512Mi, 1Gi)" $q) -}}
{{- end -}}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" $q -}}
{{- $suffix := trimPrefix $num $q -}}
{{- $factors := dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- divf (mulf (float64 $num) (get $factors $suffix)) 1048576.0 | floor | int64 -}}
{{- end -}}
