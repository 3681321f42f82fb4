{{- /*
The mode table's derived answers and spec.persistentQueue (otelgen.modes,
otelgen.persistentqueue, sizing.fit_ephemeral_storage). The facts come from
files/otelgen.json (modes); nothing here names a mode.
*/ -}}

{{- /* "true" when several pods run the same config (modes.several). Input: {traits, spec} */ -}}
{{- define "otelgen.several" -}}
{{- $t := .traits -}}
{{- $s := .spec.scaling -}}
{{- if or $t.perNode (and $t.replicas (or (gt (int $s.replicas) 1) (and $t.autoscaling $s.autoscaling.enabled))) -}}true{{- end -}}
{{- end -}}

{{- /* a quantity in bytes (rounded down) */ -}}
{{- define "otelgen.bytes" -}}
{{- $q := toString . | trim -}}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" $q -}}
{{- $suffix := trimPrefix $num $q -}}
{{- $factors := dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- mulf (float64 $num) (get $factors $suffix) | floor | int64 -}}
{{- end -}}

{{- /* the queue's claim volume name, or "" (persistentqueue.claim_volume). Input: {data, spec, traits} */ -}}
{{- define "otelgen.claimVolume" -}}
{{- if and .spec.persistentQueue.enabled (eq .traits.queueVolume "persistentVolumeClaim") -}}{{- .data.modes.persistentQueue.volume -}}{{- end -}}
{{- end -}}

{{- /* file_storage for the queues and sending_queue.storage on every queued exporter (persistentqueue.wire) */ -}}
{{- define "otelgen.plan.persistentQueue" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $mode := .mode -}}
{{- $sections := .sections -}}
{{- $pq := $spec.persistentQueue -}}
{{- $fixed := $data.modes.persistentQueue -}}
{{- if $pq.enabled -}}
{{- $kind := .traits.queueVolume -}}
{{- if and $pq.storageClassName (ne $kind "persistentVolumeClaim") -}}
{{- include "otelgen.fail" (dict "id" "E063" "path" "spec.persistentQueue.storageClassName" "msg" (printf "mode %s keeps the queue in %s, not a PersistentVolumeClaim" $mode (get $fixed.where $kind)) "hint" "drop storageClassName, or use mode statefulset for a volume per pod") -}}
{{- end -}}
{{- if and $pq.hostPath (ne $kind "hostPath") -}}
{{- include "otelgen.fail" (dict "id" "E063" "path" "spec.persistentQueue.hostPath" "msg" (printf "mode %s keeps the queue in %s, not on the node" $mode (get $fixed.where $kind)) "hint" "drop hostPath (only agents keep the queue on their node)") -}}
{{- end -}}
{{- $bytes := include "otelgen.bytes" $pq.size | atoi -}}
{{- if lt $bytes 1048576 -}}
{{- include "otelgen.fail" (dict "id" "E063" "path" "spec.persistentQueue.size" "msg" (printf "%s is less than 1Mi: no room for a queue" $pq.size) "hint" "give the queue at least a few hundred Mi, e.g. 1Gi") -}}
{{- end -}}
{{- if hasKey $sections.extensions $fixed.extension -}}
{{- include "otelgen.fail" (dict "id" "E063" "path" (printf "spec.extensions.%s" $fixed.extension) "msg" (printf "%s is the extension persistentQueue adds" $fixed.extension) "hint" "rename your file_storage instance") -}}
{{- end -}}
{{- $storage := dict "directory" $pq.directory -}}
{{- if eq $kind "hostPath" -}}
{{- $_ := set $storage "host_path" ($pq.hostPath | default ($fixed.hostPath | replace "{name}" .name)) -}}
{{- else -}}
{{- $_ := set $storage "size_limit_mib" (max (div $bytes 1048576) 1) -}}
{{- end -}}
{{- $_ := set $sections.extensions $fixed.extension $storage -}}
{{- $used := dict -}}
{{- range $p := .pipelines -}}{{- range $ref := $p.exporters -}}{{- $_ := set $used $ref true -}}{{- end -}}{{- end -}}
{{- $queued := list -}}
{{- range $name := keys $sections.exporters | sortAlpha -}}
{{- $comp := get $data.components.exporters (include "otelgen.typeOf" $name) -}}
{{- if and (hasKey $used $name) $comp (hasKey $comp.model.fields "sending_queue") -}}
{{- $queue := (get $sections.exporters $name | default dict).sending_queue -}}
{{- if not (and (kindIs "map" $queue) (hasKey $queue "enabled") (kindIs "bool" $queue.enabled) (not $queue.enabled)) -}}{{- $queued = append $queued $name -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if $queued -}}
{{- $budget := div (div (mul $bytes (int $fixed.queueSharePercent)) 100) (len $queued) -}}
{{- range $name := $queued -}}
{{- $cfg := deepCopy (get $sections.exporters $name | default dict) -}}
{{- $queue := deepCopy ($cfg.sending_queue | default dict) -}}
{{- if not $queue.storage -}}
{{- $_ := set $queue "storage" $fixed.extension -}}
{{- if not (or (hasKey $queue "queue_size") (hasKey $queue "sizer")) -}}
{{- $_ := set $queue "sizer" "bytes" -}}
{{- $_ := set $queue "queue_size" $budget -}}
{{- end -}}
{{- end -}}
{{- $_ := set $cfg "sending_queue" $queue -}}
{{- $_ := set $sections.exporters $name $cfg -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* the ephemeral-storage limit with room for the emptyDirs (sizing.fit_ephemeral_storage, E064) */ -}}
{{- define "otelgen.plan.ephemeralStorage" -}}
{{- $data := .data -}}
{{- $claim := include "otelgen.claimVolume" (dict "data" $data "spec" .spec "traits" .traits) -}}
{{- $need := 0 -}}
{{- range $m := .needs.mounts -}}
{{- if not (or $m.host_path $m.secret_name $m.api_token_seconds (eq $m.name $claim)) -}}
{{- $need = add $need (int ($m.empty_dir_mib | default 64)) -}}
{{- end -}}
{{- end -}}
{{- $headroom := int $data.modes.ephemeralHeadroomMib -}}
{{- $given := (.spec.resources.limits | default dict).ephemeralStorage -}}
{{- if $given -}}
{{- if gt (add $need $headroom) (include "otelgen.mebibytes" $given | atoi) -}}
{{- include "otelgen.fail" (dict "id" "E064" "path" "spec.resources.limits.ephemeralStorage" "msg" (printf "the pod's emptyDirs may hold %dMi, and with %dMi for logs that does not fit in the ephemeral-storage limit %v: the kubelet would evict the pod, and the queues in it with it" $need $headroom $given) "hint" "raise resources.limits.ephemeralStorage, or lower the emptyDir sizes (persistentQueue.size, file_storage size_limit_mib)") -}}
{{- end -}}
{{- else if gt (add $need $headroom) (include "otelgen.mebibytes" (get .limits "ephemeral-storage") | atoi) -}}
{{- $_ := set .limits "ephemeral-storage" (printf "%dMi" (add $need $headroom)) -}}
{{- end -}}
{{- end -}}
