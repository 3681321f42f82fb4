{{- /*
Prometheus scraping (otelgen.scraping, otelgen.plan.Planner._self_scraper): the
prometheusScraping preset's receiver, and which prometheus receiver scrapes the
collector's own metrics. Facts come from files/otelgen.json (.data.scraping).
*/ -}}

{{- /* the prometheusScraping preset (otelgen.scraping.receiver, presets.apply) */ -}}
{{- define "otelgen.plan.prometheusScraping" -}}
{{- $data := .data -}}
{{- $mode := .mode -}}
{{- $settings := .spec.presets.prometheusScraping -}}
{{- $s := $data.scraping -}}
{{- $path := "spec.presets.prometheusScraping" -}}
{{- if $settings.enabled -}}
{{- if not $settings.strategy -}}
{{- include "otelgen.fail" (dict "id" "E020" "path" (printf "%s.strategy" $path) "msg" "prometheusScraping needs a strategy: there is no default, the choice decides who scrapes which targets" "hint" "strategy: node-local (agents scrape the pods on their node) or target-allocator (the target allocator shares targets among collectors); see the README's 'Prometheus scraping'") -}}
{{- else if eq $settings.strategy "node-local" -}}
{{- if not (get $data.modes.traits $mode).perNode -}}
{{- include "otelgen.fail" (dict "id" "E020" "path" (printf "%s.strategy" $path) "msg" (printf "strategy node-local scrapes the pods of the agent's own node and needs mode agent (got %s)" $mode) "hint" "enable it in the agent spec, or use strategy: target-allocator") -}}
{{- end -}}
{{- $jobs := list -}}
{{- if $settings.annotationDiscovery -}}
{{- $own := merge (dict "regex" (printf "%s;%s;%s" .namespace $s.appName .name)) (deepCopy $s.ownRule) -}}
{{- $relabel := concat (deepCopy $s.relabelBefore) (list $own) (deepCopy $s.relabelAfter) -}}
{{- $jobs = append $jobs (dict "job_name" $s.jobName "scrape_interval" $settings.scrapeInterval "kubernetes_sd_configs" (deepCopy $s.sdConfigs) "relabel_configs" $relabel) -}}
{{- end -}}
{{- $jobs = concat $jobs ($settings.scrapeConfigs | default list) -}}
{{- if not $jobs -}}
{{- include "otelgen.fail" (dict "id" "E020" "path" (printf "%s.annotationDiscovery" $path) "msg" "prometheusScraping has nothing to scrape: annotationDiscovery is off and scrapeConfigs is empty" "hint" "turn on annotationDiscovery or add scrapeConfigs") -}}
{{- end -}}
{{- if not (hasKey .sections.receivers $s.receiver) -}}{{- $_ := set .sections.receivers $s.receiver (dict "config" (dict "scrape_configs" $jobs)) -}}{{- end -}}
{{- if not (hasKey .pipelines "metrics") -}}
{{- include "otelgen.fail" (dict "id" "E020" "path" $path "msg" "preset prometheusScraping needs a 'metrics' pipeline to feed" "hint" "add spec.pipelines.metrics with the exporters that should get this data") -}}
{{- end -}}
{{- $p := .pipelines.metrics -}}
{{- if not (has $s.receiver $p.receivers) -}}{{- $_ := set $p "receivers" (append $p.receivers $s.receiver) -}}{{- end -}}
{{- else -}}
{{- include "otelgen.plan.targetAllocator" $ -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* the one prometheus receiver that scrapes the collector's own metrics (Planner._self_scraper): sets .selfScraper */ -}}
{{- define "otelgen.plan.selfScraper" -}}
{{- $data := .data -}}
{{- $spec := .spec -}}
{{- $sections := .sections -}}
{{- $used := list -}}
{{- range $p := .pipelines -}}{{- $used = concat $used $p.receivers -}}{{- end -}}
{{- $candidates := list -}}
{{- range $rname := keys $sections.receivers | sortAlpha -}}
{{- $comp := get $data.components.receivers (include "otelgen.typeOf" $rname) -}}
{{- $raw := get $sections.receivers $rname -}}
{{- if not (kindIs "map" $raw) -}}{{- $raw = dict -}}{{- end -}}
{{- $self := not (and (kindIs "bool" $raw.self_scrape) (not $raw.self_scrape)) -}}
{{- if and $comp (eq ($comp.role | default "") "self_scraper") (has $rname $used) $self -}}{{- $candidates = append $candidates $rname -}}{{- end -}}
{{- end -}}
{{- $monitor := and $spec.serviceMonitor.enabled (get .data.modes.traits .mode).ownPods -}}
{{- $scraper := "" -}}
{{- if and (not $monitor) $candidates -}}{{- $scraper = first $candidates -}}{{- end -}}
{{- $by := ternary "serviceMonitor has Prometheus scrape them" (printf "%s scrapes them" $scraper) $monitor -}}
{{- range $rname := $candidates -}}
{{- if ne $rname $scraper -}}
{{- $raw := get $sections.receivers $rname -}}
{{- if not (kindIs "map" $raw) -}}{{- $raw = dict -}}{{- end -}}
{{- $config := $raw.config -}}
{{- if not (kindIs "map" $config) -}}{{- $config = dict -}}{{- end -}}
{{- $extra := $raw.extra -}}
{{- if not (kindIs "map" $extra) -}}{{- $extra = dict -}}{{- end -}}
{{- $explicit := and (kindIs "bool" $raw.self_scrape) $raw.self_scrape -}}
{{- $others := or $config.scrape_configs $raw.scrape_configs $raw.target_allocator (hasKey $extra "config") -}}
{{- if or $explicit (not $others) -}}
{{- $why := ternary "asks for it (self_scrape: true)" "scrapes nothing else" $explicit -}}
{{- $hint := printf "keep one scraper: set self_scrape: false on %s (give it other scrape configs or remove it)%s" $rname (ternary ", or serviceMonitor.enabled: false" "" $monitor) -}}
{{- include "otelgen.fail" (dict "id" "E072" "path" (printf "spec.receivers.%s.self_scrape" $rname) "msg" (printf "the collector's own metrics would be scraped twice: %s, and %s %s" $by $rname $why) "hint" $hint) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $_ := set $ "selfScraper" $scraper -}}
{{- end -}}

{{- /* NetworkPolicy egress to the pods a prometheus receiver discovers (networkpolicy.egress_rules) */ -}}
{{- define "otelgen.np.scrape" -}}
{{- $rule := dict "ports" .ports -}}
{{- if .peers -}}{{- $_ := set $rule "to" .peers -}}{{- end -}}
{{- toJson $rule -}}
{{- end -}}
