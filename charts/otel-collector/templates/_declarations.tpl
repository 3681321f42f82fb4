{{- /*
The one interpreter of component declarations (otelgen.components.declare.interpret):
every component's config and needs come from its declaration in files/otelgen.json
(components.<section>.<type>.declaration). No component is named here; docs/declarations.md
describes the vocabulary.
Input {cfg (settings, pydantic defaults applied), ctx, decl, consts}; output JSON
{config, ports, rbac, env, mounts, egress, kubelet, scrapePods}.
*/ -}}

{{- define "otelgen.interpret" -}}
{{- $ctx := .ctx -}}
{{- $decl := .decl -}}
{{- $acc := dict "ports" list "rbac" list "env" list "mounts" list "egress" list -}}
{{- $settings := omit (deepCopy .cfg) "extra" -}}
{{- $consts := .consts -}}
{{- range $step := $decl.prepare -}}
{{- include "otelgen.decl.step" (dict "step" $step "doc" $settings "ctx" $ctx "consts" $consts "acc" $acc) -}}
{{- end -}}
{{- $out := deepCopy $settings -}}
{{- range $l := $decl.listeners -}}
{{- include "otelgen.decl.listener" (dict "l" $l "doc" $out "ctx" $ctx "consts" $consts "acc" $acc) -}}
{{- end -}}
{{- range $step := $decl.steps -}}
{{- include "otelgen.decl.step" (dict "step" $step "doc" $out "ctx" $ctx "consts" $consts "acc" $acc) -}}
{{- end -}}
{{- range $rule := $decl.rbac -}}
{{- include "otelgen.decl.rule" (dict "rule" $rule "doc" $settings "ctx" $ctx "acc" $acc) -}}
{{- end -}}
{{- $scrapePods := false -}}
{{- if $decl.scrape_pods -}}
{{- $scrapePods = or (gt (len $acc.rbac) 0) (and (gt (len $decl.scrape_pods_when) 0) (eq (include "otelgen.decl.holds" (dict "tests" $decl.scrape_pods_when "doc" $settings "ctx" $ctx)) "true")) -}}
{{- end -}}
{{- range $e := $decl.env -}}
{{- if or (not $e.when) (include "otelgen.decl.holds" (dict "tests" $e.when "doc" $settings "ctx" $ctx)) -}}
{{- $_ := set $acc "env" (append $acc.env (dict "name" $e.name "fieldPath" $e.field_path)) -}}
{{- end -}}
{{- end -}}
{{- range $v := $decl.volumes -}}
{{- if or (not $v.when) (include "otelgen.decl.holds" (dict "tests" $v.when "doc" $settings "ctx" $ctx)) -}}
{{- $m := dict "name" ($v.name | default (include "otelgen.volumeName" (dict "prefix" $v.volume "instance" $ctx.instance))) "read_only" $v.read_only -}}
{{- range $k := list "mount_path" "host_path" "empty_dir_mib" -}}
{{- $x := (include "otelgen.decl.render" (dict "value" (get $v $k) "doc" $settings "ctx" $ctx) | fromJson).v -}}
{{- if not (kindIs "invalid" $x) -}}{{- $_ := set $m $k $x -}}{{- end -}}
{{- end -}}
{{- if $v.host_path_type -}}{{- $_ := set $m "host_path_type" $v.host_path_type -}}{{- end -}}
{{- $_ := set $acc "mounts" (append $acc.mounts $m) -}}
{{- end -}}
{{- end -}}
{{- range $eg := $decl.egress -}}
{{- include "otelgen.decl.egress" (dict "eg" $eg "doc" $settings "ctx" $ctx "acc" $acc) -}}
{{- end -}}
{{- toJson (merge (dict "config" $out "kubelet" $decl.kubelet "scrapePods" $scrapePods) $acc) -}}
{{- end -}}

{{- /* settings as written → the shape the model takes (declare.accepts: the collector's own
shape of a setting → otelgen's fields): {decl, raw} → {v} */ -}}
{{- define "otelgen.reshape" -}}
{{- $raw := .raw -}}
{{- if and (kindIs "map" $raw) .decl.accepts -}}
{{- $raw = deepCopy $raw -}}
{{- $acc := dict "ports" list "rbac" list "env" list "mounts" list "egress" list -}}
{{- range $step := .decl.accepts -}}
{{- include "otelgen.decl.step" (dict "step" $step "doc" $raw "ctx" dict "consts" dict "acc" $acc) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $raw) -}}
{{- end -}}

{{- /* the value at a dotted path ("@ctx.x": the context's): {doc, path, ctx} → {v} */ -}}
{{- define "otelgen.decl.get" -}}
{{- $v := .doc -}}
{{- $path := .path -}}
{{- if hasPrefix "@ctx." $path -}}{{- $v = .ctx -}}{{- $path = trimPrefix "@ctx." $path -}}{{- end -}}
{{- $found := true -}}
{{- if ne $path "" -}}
{{- range $part := splitList "." $path -}}
{{- if and $found (kindIs "map" $v) (hasKey $v $part) -}}{{- $v = get $v $part -}}{{- else -}}{{- $found = false -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if $found -}}{{- toJson (dict "v" $v) -}}{{- else -}}{"v": null}{{- end -}}
{{- end -}}

{{- /* {doc, path, value}: sets in place, creating mappings on the way */ -}}
{{- define "otelgen.decl.set" -}}
{{- $m := .doc -}}
{{- $parts := splitList "." .path -}}
{{- range $part := initial $parts -}}
{{- if not (kindIs "map" (get $m $part)) -}}{{- $_ := set $m $part dict -}}{{- end -}}
{{- $m = get $m $part -}}
{{- end -}}
{{- $_ := set $m (last $parts) .value -}}
{{- end -}}

{{- /* {doc, path}: deletes in place */ -}}
{{- define "otelgen.decl.delete" -}}
{{- $m := .doc -}}
{{- $parts := splitList "." .path -}}
{{- range $part := initial $parts -}}{{- if kindIs "map" $m -}}{{- $m = get $m $part -}}{{- end -}}{{- end -}}
{{- if kindIs "map" $m -}}{{- $_ := unset $m (last $parts) -}}{{- end -}}
{{- end -}}

{{- /* {tests, doc, ctx} → "true" when every test holds, else "" */ -}}
{{- define "otelgen.decl.holds" -}}
{{- $ok := true -}}
{{- range $t := .tests -}}
{{- if $ok -}}
{{- $v := (include "otelgen.decl.get" (dict "doc" $.doc "path" $t.path "ctx" $.ctx) | fromJson).v -}}
{{- if eq $t.test "absent" -}}
{{- $parts := splitList "." $t.path -}}
{{- $parent := (include "otelgen.decl.get" (dict "doc" $.doc "path" (join "." (initial $parts))) | fromJson).v -}}
{{- $ok = not (and (kindIs "map" $parent) (hasKey $parent (last $parts))) -}}
{{- else if eq $t.test "present" -}}
{{- $parts := splitList "." $t.path -}}
{{- $parent := (include "otelgen.decl.get" (dict "doc" $.doc "path" (join "." (initial $parts))) | fromJson).v -}}
{{- $ok = and (kindIs "map" $parent) (hasKey $parent (last $parts)) -}}
{{- else if eq $t.test "set" -}}{{- $ok = not (kindIs "invalid" $v) -}}
{{- else if eq $t.test "in" -}}
{{- $ok = false -}}
{{- range $x := $t.value -}}{{- if eq (toJson $x) (toJson $v) -}}{{- $ok = true -}}{{- end -}}{{- end -}}
{{- else if eq $t.test "mapping" -}}{{- $ok = kindIs "map" $v -}}
{{- else if has $t.test (list "not_positive" "negative") -}}
{{- /* the sign of a number or a duration text (0 when no digit is above 0), as declare.sign */ -}}
{{- $sign := "" -}}
{{- if or (kindIs "float64" $v) (kindIs "int" $v) (kindIs "int64" $v) -}}{{- $sign = ternary "-" (ternary "0" "+" (eq (float64 $v) 0.0)) (lt (float64 $v) 0.0) -}}
{{- else if and (kindIs "string" $v) $v (not (hasPrefix "${" $v)) -}}{{- $sign = ternary "0" (ternary "-" "+" (hasPrefix "-" $v)) (not (regexMatch "[1-9]" $v)) -}}
{{- end -}}
{{- $ok = or (eq $sign "-") (and (eq $t.test "not_positive") (eq $sign "0")) -}}
{{- else if eq $t.test "mentions" -}}{{- $ok = contains $t.value (toJson $v) -}}
{{- else if eq $t.test "truthy" -}}{{- $ok = not (empty $v) -}}
{{- else if eq $t.test "falsy" -}}{{- $ok = empty $v -}}
{{- else if eq $t.test "eq" -}}{{- $ok = eq (toJson $v) (toJson $t.value) -}}
{{- else if eq $t.test "ne" -}}{{- $ok = ne (toJson $v) (toJson $t.value) -}}
{{- else -}}
{{- $any := false -}}
{{- range $item := (kindIs "slice" $v | ternary $v list) -}}
{{- if eq $t.test "any_in" -}}{{- if has $item $t.value -}}{{- $any = true -}}{{- end -}}
{{- else if and (kindIs "string" $item) (hasPrefix (index $t.value 0) $item) (not (has $item (index $t.value 1))) -}}{{- $any = true -}}
{{- end -}}
{{- end -}}
{{- $ok = $any -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $ok -}}true{{- end -}}
{{- end -}}

{{- /* a declared value with its {{path}} placeholders filled in: {value, doc, ctx} → {v} */ -}}
{{- define "otelgen.decl.render" -}}
{{- $v := .value -}}
{{- $re := "[{][{]([^}|]+)([|]([a-z]+))?[}][}]" -}}
{{- if kindIs "map" $v -}}
{{- $out := dict -}}
{{- range $k, $x := $v -}}{{- $_ := set $out $k (include "otelgen.decl.render" (dict "value" $x "doc" $.doc "ctx" $.ctx) | fromJson).v -}}{{- end -}}
{{- $v = $out -}}
{{- else if kindIs "slice" $v -}}
{{- $out := list -}}
{{- range $x := $v -}}{{- $out = append $out (include "otelgen.decl.render" (dict "value" $x "doc" $.doc "ctx" $.ctx) | fromJson).v -}}{{- end -}}
{{- $v = $out -}}
{{- else if and (kindIs "string" $v) (regexMatch $re $v) -}}
{{- $whole := regexMatch (printf "^%s$" $re) $v -}}
{{- $text := $v -}}
{{- range $ph := regexFindAll $re $text -1 -}}
{{- $x := (include "otelgen.decl.get" (dict "doc" $.doc "path" (regexReplaceAll $re $ph "${1}") "ctx" $.ctx) | fromJson).v -}}
{{- if eq (regexReplaceAll $re $ph "${3}") "dir" -}}{{- $x = dir (toString $x) -}}{{- end -}}
{{- if $whole -}}{{- $v = $x -}}{{- else -}}{{- $v = replace $ph (toString $x) $v -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "v" $v) -}}
{{- end -}}

{{- /* a listener: {l, doc, ctx, consts, acc} */ -}}
{{- define "otelgen.decl.listener" -}}
{{- $l := .l -}}
{{- $s := (include "otelgen.decl.get" (dict "doc" .doc "path" $l.path) | fromJson).v -}}
{{- if or (not (kindIs "map" $s)) (and $l.toggle (not (get $s $l.toggle))) -}}
{{- if $l.path -}}{{- include "otelgen.decl.delete" (dict "doc" .doc "path" $l.path) -}}{{- end -}}
{{- else -}}
{{- $port := $s.port -}}
{{- $endpoint := $s.endpoint -}}
{{- if $endpoint -}}
{{- $p := (include "otelgen.endpointPort" (ternary $endpoint (printf "x:%s" $endpoint) (contains ":" $endpoint)) | fromJson).v -}}
{{- if $p -}}{{- $port = $p -}}{{- end -}}
{{- else -}}
{{- $host := get .ctx $l.bind -}}
{{- if and (eq $l.protocol "UDP") (ne $host "localhost") -}}{{- $host = .consts.udpBindHost -}}{{- end -}}
{{- $endpoint = printf "%s:%d" $host (int $s.port) -}}
{{- end -}}
{{- $rendered := omit $s "port" "endpoint" (toString $l.toggle) -}}
{{- $_ := set $rendered "endpoint" $endpoint -}}
{{- if and $l.server_tls .ctx.server_tls -}}{{- $_ := set $rendered "tls" (deepCopy .ctx.server_tls) -}}{{- end -}}
{{- if $l.path -}}
{{- include "otelgen.decl.set" (dict "doc" .doc "path" $l.path "value" $rendered) -}}
{{- else -}}
{{- range $k := keys .doc -}}{{- $_ := unset $.doc $k -}}{{- end -}}
{{- $_ := merge .doc $rendered -}}
{{- end -}}
{{- $name := $l.name -}}
{{- if not $l.fixed_name -}}{{- $name = include "otelgen.portName" (dict "instance" .ctx.instance "short" $l.name) -}}{{- end -}}
{{- $_ := set .acc "ports" (append .acc.ports (dict "name" $name "port" $port "protocol" $l.protocol "appProtocol" $l.app_protocol "service" $l.service "ingress" $l.ingress)) -}}
{{- end -}}
{{- end -}}

{{- /* one config-shaping step: {step, doc, ctx, consts, acc} */ -}}
{{- define "otelgen.decl.step" -}}
{{- $s := .step -}}
{{- $doc := .doc -}}
{{- if or (not $s.when) (include "otelgen.decl.holds" (dict "tests" $s.when "doc" $doc "ctx" .ctx)) -}}
{{- $cur := "" -}}
{{- if not (has $s.op (list "drop" "drop_empty" "keep" "nest" "order")) -}}{{- $cur = (include "otelgen.decl.get" (dict "doc" $doc "path" $s.path) | fromJson).v -}}{{- end -}}
{{- if eq $s.op "drop" -}}
{{- range $p := $s.paths -}}{{- include "otelgen.decl.delete" (dict "doc" $doc "path" $p) -}}{{- end -}}
{{- else if eq $s.op "drop_empty" -}}
{{- range $p := $s.paths -}}
{{- if empty (include "otelgen.decl.get" (dict "doc" $doc "path" $p) | fromJson).v -}}{{- include "otelgen.decl.delete" (dict "doc" $doc "path" $p) -}}{{- end -}}
{{- end -}}
{{- else if eq $s.op "keep" -}}
{{- range $k := keys $doc -}}{{- if not (has $k $s.paths) -}}{{- $_ := unset $doc $k -}}{{- end -}}{{- end -}}
{{- else if has $s.op (list "set" "default" "fill") -}}
{{- $parent := (include "otelgen.decl.get" (dict "doc" $doc "path" (join "." (initial (splitList "." $s.path)))) | fromJson).v -}}
{{- $present := and (kindIs "map" $parent) (hasKey $parent (last (splitList "." $s.path))) -}}
{{- if or (eq $s.op "set") (and (eq $s.op "default") (or (kindIs "invalid" $cur) (eq (toJson $cur) "\"\""))) (and (eq $s.op "fill") $present (empty $cur)) -}}
{{- $value := $s.value -}}
{{- if $s.lookup -}}{{- $value = get $s.value (toString (include "otelgen.decl.get" (dict "doc" $doc "path" $s.lookup "ctx" .ctx) | fromJson).v) -}}{{- end -}}
{{- include "otelgen.decl.set" (dict "doc" $doc "path" $s.path "value" (include "otelgen.decl.render" (dict "value" $value "doc" $doc "ctx" .ctx) | fromJson).v) -}}
{{- end -}}
{{- else if eq $s.op "prepend" -}}
{{- $item := (include "otelgen.decl.render" (dict "value" $s.value "doc" $doc "ctx" .ctx) | fromJson).v -}}
{{- include "otelgen.decl.set" (dict "doc" $doc "path" $s.path "value" (prepend (kindIs "slice" $cur | ternary $cur list) $item)) -}}
{{- else if eq $s.op "extend" -}}
{{- $more := (include "otelgen.decl.get" (dict "doc" $doc "path" $s.source) | fromJson).v -}}
{{- include "otelgen.decl.delete" (dict "doc" $doc "path" $s.source) -}}
{{- if and (kindIs "slice" $more) $more -}}
{{- include "otelgen.decl.set" (dict "doc" $doc "path" $s.path "value" (concat (kindIs "slice" $cur | ternary $cur list) $more)) -}}
{{- else if and (kindIs "map" $more) $more -}}
{{- $joined := deepCopy $more -}}
{{- range $k, $x := (kindIs "map" $cur | ternary $cur dict) -}}{{- $_ := set $joined $k $x -}}{{- end -}}
{{- include "otelgen.decl.set" (dict "doc" $doc "path" $s.path "value" $joined) -}}
{{- end -}}
{{- else if eq $s.op "lift" -}}
{{- if kindIs "map" $cur -}}
{{- range $k := $s.paths -}}
{{- if hasKey $cur $k -}}{{- $_ := set $doc $k (get $cur $k) -}}{{- include "otelgen.decl.delete" (dict "doc" $doc "path" (printf "%s.%s" $s.path $k)) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- else if eq $s.op "nest" -}}
{{- $moved := dict -}}
{{- range $k := $s.paths -}}
{{- $x := (include "otelgen.decl.get" (dict "doc" $doc "path" $k) | fromJson).v -}}
{{- if not (kindIs "invalid" $x) -}}{{- $_ := set $moved $k $x -}}{{- end -}}
{{- include "otelgen.decl.delete" (dict "doc" $doc "path" $k) -}}
{{- end -}}
{{- $root := first (splitList "." $s.path) -}}
{{- $base := dict -}}
{{- include "otelgen.decl.set" (dict "doc" $base "path" $s.path "value" $moved) -}}
{{- $existing := get $doc $root -}}
{{- if not (kindIs "map" $existing) -}}{{- $existing = dict -}}{{- end -}}
{{- if $s.over -}}
{{- $_ := set $doc $root (include "otelgen.merge" (dict "base" $existing "override" (get $base $root)) | fromJson) -}}
{{- else -}}
{{- $_ := set $doc $root (include "otelgen.merge" (dict "base" (get $base $root) "override" $existing) | fromJson) -}}
{{- end -}}
{{- else if eq $s.op "to_string" -}}
{{- if not (kindIs "invalid" $cur) -}}{{- include "otelgen.decl.set" (dict "doc" $doc "path" $s.path "value" (toString $cur)) -}}{{- end -}}
{{- else if eq $s.op "client_tls" -}}
{{- $tls := include "otelgen.decl.clientTls" (dict "tls" ($cur | default dict) "ctx" .ctx "consts" .consts) | fromJson -}}
{{- $_ := set .acc "mounts" (concat .acc.mounts $tls.mounts) -}}
{{- if $tls.tls -}}{{- include "otelgen.decl.set" (dict "doc" $doc "path" $s.path "value" $tls.tls) -}}{{- else -}}{{- include "otelgen.decl.delete" (dict "doc" $doc "path" $s.path) -}}{{- end -}}
{{- else if eq $s.op "secret_env" -}}
{{- if and $s.each (kindIs "map" $cur) -}}
{{- range $k := keys $cur | sortAlpha -}}
{{- $x := get $cur $k -}}
{{- if kindIs "map" $x -}}
{{- $sec := include "otelgen.decl.secretEnv" (dict "value" $x "ctx" $.ctx "consts" $.consts "parts" (append $s.parts $k)) | fromJson -}}
{{- $_ := set $.acc "env" (append $.acc.env $sec.env) -}}
{{- $_ := set $cur $k $sec.text -}}
{{- end -}}
{{- end -}}
{{- include "otelgen.decl.set" (dict "doc" $doc "path" $s.path "value" $cur) -}}
{{- else if and (not $s.each) (kindIs "map" $cur) -}}
{{- $sec := include "otelgen.decl.secretEnv" (dict "value" $cur "ctx" .ctx "consts" .consts "parts" $s.parts) | fromJson -}}
{{- $_ := set .acc "env" (append .acc.env $sec.env) -}}
{{- include "otelgen.decl.set" (dict "doc" $doc "path" $s.path "value" $sec.text) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* client TLS settings → the collector's, plus the Secret mounts: {tls, ctx, consts} → {tls, mounts} */ -}}
{{- define "otelgen.decl.clientTls" -}}
{{- $t := .tls -}}
{{- $out := dict -}}
{{- $mounts := list -}}
{{- if $t.insecure -}}
{{- $out = dict "insecure" true -}}
{{- else -}}
{{- $base := printf "%s/%s" .consts.clientTlsDir (include "otelgen.mountSlug" .ctx.instance) -}}
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

{{- /* a secret reference as ${env:VAR} text plus the env var: {value, ctx, consts, parts} */ -}}
{{- define "otelgen.decl.secretEnv" -}}
{{- $name := include "otelgen.envName" (dict "prefix" .consts.envPrefix "instance" .ctx.instance "parts" .parts) -}}
{{- toJson (dict "text" (printf "%s${env:%s}" (.value.prefix | default "") $name) "env" (dict "name" $name "secret" .value.secretRef)) -}}
{{- end -}}

{{- /* RBAC rules: {rule, doc, ctx, acc}; per item of `each`, one rule per (group, resource) */ -}}
{{- define "otelgen.decl.rule" -}}
{{- $r := .rule -}}
{{- $ctx := .ctx -}}
{{- if or (not $r.when) (include "otelgen.decl.holds" (dict "tests" $r.when "doc" .doc "ctx" $ctx)) -}}
{{- if not $r.each -}}
{{- $_ := set .acc "rbac" (append .acc.rbac (dict "apiGroups" $r.api_groups "resources" $r.resources "verbs" $r.verbs "namespaced" $r.namespaced)) -}}
{{- else -}}
{{- $found := list .doc -}}
{{- range $part := splitList "." $r.each -}}
{{- $key := trimSuffix "[]" $part -}}
{{- $next := list -}}
{{- range $item := $found -}}
{{- if and (kindIs "map" $item) (hasKey $item $key) -}}
{{- $x := get $item $key -}}
{{- if hasSuffix "[]" $part -}}{{- if kindIs "slice" $x -}}{{- $next = concat $next $x -}}{{- end -}}
{{- else if not (kindIs "invalid" $x) -}}{{- $next = append $next $x -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $found = $next -}}
{{- end -}}
{{- $namespacedBy := dict -}}
{{- $rules := dict -}}
{{- range $item := $found -}}
{{- if kindIs "map" $item -}}
{{- $skip := false -}}
{{- range $t := $r.skip -}}{{- if include "otelgen.decl.holds" (dict "tests" (list $t) "doc" $item "ctx" $ctx) -}}{{- $skip = true -}}{{- end -}}{{- end -}}
{{- if not $skip -}}
{{- $pairs := list -}}
{{- if $r.lookup_from -}}
{{- $pairs = get $r.lookup (lower (toString (include "otelgen.decl.get" (dict "doc" $item "path" $r.lookup_from) | fromJson).v)) | default list -}}
{{- else -}}
{{- $g := (include "otelgen.decl.get" (dict "doc" $item "path" $r.group_from) | fromJson).v | default "" -}}
{{- $pairs = list (list (toString $g) (toString (include "otelgen.decl.get" (dict "doc" $item "path" $r.resource_from) | fromJson).v)) -}}
{{- end -}}
{{- $verbs := $r.verbs -}}
{{- if $r.verbs_from -}}{{- $verbs = get $r.verbs_table (toString (include "otelgen.decl.get" (dict "doc" $item "path" $r.verbs_from) | fromJson).v) | default list -}}{{- end -}}
{{- $namespaced := false -}}
{{- if and $r.namespaced_when (include "otelgen.decl.holds" (dict "tests" $r.namespaced_when "doc" $item "ctx" $ctx)) -}}{{- $namespaced = true -}}{{- end -}}
{{- range $pair := $pairs -}}
{{- $key := toJson (list (index $pair 0) (index $pair 1) $verbs) -}}
{{- $_ := set $rules $key (dict "apiGroups" (list (index $pair 0)) "resources" (list (index $pair 1)) "verbs" $verbs) -}}
{{- $_ := set $namespacedBy $key (and (ternary (get $namespacedBy $key) true (hasKey $namespacedBy $key)) $namespaced) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $key := keys $rules | sortAlpha -}}
{{- $_ := set $.acc "rbac" (append $.acc.rbac (merge (dict "namespaced" (get $namespacedBy $key)) (get $rules $key))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* egress ports: {eg, doc, ctx, acc} */ -}}
{{- define "otelgen.decl.egress" -}}
{{- $eg := .eg -}}
{{- if or (not $eg.when) (include "otelgen.decl.holds" (dict "tests" $eg.when "doc" .doc "ctx" .ctx)) -}}
{{- $ports := list -}}
{{- $override := "" -}}
{{- if $eg.override -}}{{- $override = (include "otelgen.decl.get" (dict "doc" .doc "path" $eg.override) | fromJson).v -}}{{- end -}}
{{- if $override -}}
{{- $ports = list $override -}}
{{- else -}}
{{- $seen := list -}}
{{- range $path := $eg.paths -}}
{{- $v := (include "otelgen.decl.get" (dict "doc" $.doc "path" $path) | fromJson).v -}}
{{- range $x := (kindIs "slice" $v | ternary $v (kindIs "invalid" $v | ternary list (list $v))) -}}
{{- $p := $x -}}
{{- if eq $eg.parse "endpoint" -}}{{- $p = (include "otelgen.endpointPort" (toString $x) | fromJson).v | default $eg.default_port -}}{{- end -}}
{{- if not (has (toString $p) $seen) -}}{{- $seen = append $seen (toString $p) -}}{{- $ports = append $ports $p -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $ports -}}{{- $ports = $eg.if_empty -}}{{- end -}}
{{- end -}}
{{- range $p := $ports -}}
{{- $_ := set $.acc "egress" (append $.acc.egress (dict "port" $p "protocol" "TCP" "reason" (printf "exporter %s" $.ctx.instance))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
