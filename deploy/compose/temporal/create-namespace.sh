#!/bin/sh
# One-shot: creates the namespace the workers use and registers the search
# attributes they set (workflows/names.py). Workers try to register them too,
# but a cluster may refuse that to them; here it is done once, before they start.
set -eu

temporal operator cluster health --address "$TEMPORAL_ADDRESS"

if ! temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1; then
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" --retention "$RETENTION"
fi

registered=$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE")
for name in OnboardingStage MunicipalityNumber PartyKind; do
  if ! printf '%s\n' "$registered" | grep -qw "$name"; then
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" \
      --name "$name" --type Keyword
  fi
done
echo "Namespace $NAMESPACE is ready"
