{{- define "pressroom.fullname" -}}
{{- printf "%s-pressroom" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pressroom.labels" -}}
app.kubernetes.io/name: pressroom
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "pressroom.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-credentials" (include "pressroom.fullname" .)) -}}
{{- end -}}

{{- define "pressroom.tokensSecretName" -}}
{{- .Values.tokensSecret | default (printf "%s-tokens" (include "pressroom.fullname" .)) -}}
{{- end -}}

{{/* Non-root, no privilege escalation, read-only root: the image writes only to its data dir. */}}
{{- define "pressroom.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "pressroom.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "pressroom.envFrom" -}}
- configMapRef:
    name: {{ include "pressroom.fullname" . }}-settings
- secretRef:
    name: {{ include "pressroom.secretName" . }}
{{- end -}}
