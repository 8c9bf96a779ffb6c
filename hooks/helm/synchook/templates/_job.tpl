{{/* A synchook Job: (list "pre"|"post" <command> <activeDeadlineSeconds> $). */}}
{{- define "synchook.job" -}}
{{- $phase := index . 0 -}}{{- $command := index . 1 -}}{{- $deadline := index . 2 -}}{{- $root := index . 3 -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: synchook-{{ $command }}
  labels:
    {{- include "synchook.labels" $root | trim | nindent 4 }}
  annotations:
    {{- include "synchook.hookAnnotations" (list $phase 0 $root) | trim | nindent 4 }}
spec:
  # One attempt: a rejected plan must stop the sync, not be retried into the same answer.
  backoffLimit: 0
  # No ttlSecondsAfterFinished: ArgoCD and Helm must see the Job finish.
  # Longer than synchook's own deadline, so that synchook reports its own timeout first.
  activeDeadlineSeconds: {{ $deadline }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: synchook
        app.kubernetes.io/component: {{ $command }}
        # A mesh sidecar would keep the Job from completing, and synchook talks to Kafka directly.
        sidecar.istio.io/inject: "false"
      annotations:
        sidecar.istio.io/inject: "false"
        linkerd.io/inject: disabled
        # The commit being deployed, read below through the downward API.
        synchook.dev/revision: {{ $root.Values.revision | quote }}
        # The hash of synchook's files: a new config is a new Job template.
        synchook.dev/config-hash: {{ include "synchook.configHash" $root | quote }}
    spec:
      restartPolicy: Never
      serviceAccountName: {{ $root.Values.serviceAccount.name }}
      automountServiceAccountToken: {{ $root.Values.rbac.commitDiscovery }}
      terminationGracePeriodSeconds: 15
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: synchook
          image: {{ include "synchook.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ $command }}]
          env:
            - name: SYNCHOOK_CONFIG
              value: /config/synchook.yaml
            - name: NODE_OPTIONS
              value: {{ $root.Values.nodeOptions | quote }}
            - name: REVISION
              valueFrom:
                fieldRef:
                  fieldPath: metadata.annotations['synchook.dev/revision']
            {{- if $root.Values.rbac.commitDiscovery }}
            # For commit discovery: the pod looks itself up.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            {{- else }}
            # The commit comes from revision; there is no Application to ask.
            - name: SYNCHOOK_COMMIT_DISCOVERY
              value: "off"
            {{- end }}
          resources:
            {{- toYaml $root.Values.resources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            capabilities:
              drop: [ALL]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: config
              mountPath: /config
              readOnly: true
            - name: secrets
              mountPath: /var/run/secrets/synchook
              readOnly: true
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: config
          projected:
            sources:
              - configMap:
                  name: synchook-config
        - name: secrets
          projected:
            sources:
              {{- toYaml $root.Values.secrets.sources | nindent 14 }}
        # The only writable place: the root file system is read-only.
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
{{- end }}
