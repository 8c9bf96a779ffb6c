{{/* Labels of every object. */}}
{{- define "synchook.labels" -}}
app.kubernetes.io/name: synchook
app.kubernetes.io/part-of: synchook
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/*
The annotations that make an object a hook of the "pre" (PreSync) or "post" (PostSync) phase,
created at the given order (ArgoCD sync wave, Helm hook weight). Everything the PreSync Job uses
is a hook of an earlier order: hooks run before any other object is applied, so a plain
ServiceAccount or ConfigMap would not exist on the first run and would hold the old config on
every later one. A finished hook stays (with its pod's logs) until the next run replaces it.
*/}}
{{- define "synchook.hookAnnotations" -}}
{{- $phase := index . 0 -}}{{- $order := index . 1 -}}{{- $root := index . 2 -}}
{{- if eq $root.Values.mode "argocd" }}
argocd.argoproj.io/hook: {{ ternary "PreSync" "PostSync" (eq $phase "pre") }}
argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
argocd.argoproj.io/sync-wave: {{ $order | quote }}
{{- else if eq $root.Values.mode "helm" }}
helm.sh/hook: {{ ternary "pre-install,pre-upgrade" "post-install,post-upgrade" (eq $phase "pre") }}
helm.sh/hook-weight: {{ $order | quote }}
helm.sh/hook-delete-policy: before-hook-creation
{{- else }}
{{- fail (printf "mode must be argocd or helm, not %q" $root.Values.mode) }}
{{- end }}
{{- end }}

{{/* The image, pinned: a digest, or a tag that is not latest. */}}
{{- define "synchook.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else if and .Values.image.tag (ne .Values.image.tag "latest") -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- else -}}
{{- fail "image.tag: pin a version (or set image.digest); latest or empty would run whatever was pushed last" -}}
{{- end -}}
{{- end }}

{{/* The hash of synchook's files: it names the managed copy of the config (ArgoCD) and annotates the Jobs. */}}
{{- define "synchook.configHash" -}}
{{- toJson .Values.config.files | sha256sum | trunc 10 -}}
{{- end }}
