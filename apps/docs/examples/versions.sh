#!/usr/bin/env bash
# Versions and history: read a learner with its ETag, change it with If-Match, and see what happens
# to a write based on an old version. Included in site/concepts/versions.md; run by
# tests/docs/examples.test.ts against a running API.
set -euo pipefail
CELR_URL="${CELR_URL:-http://localhost:3000}"
TOKEN=$(curl --fail --silent --show-error "$CELR_URL/oauth/token" \
  -d grant_type=client_credentials -d client_id=demo-northbridge -d client_secret=demo-northbridge-secret |
  node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
AUTH="Authorization: Bearer $TOKEN"

#region read
# The first learner on the first page, then that learner with the ETag of its current version.
ID=$(curl --fail --silent --show-error "$CELR_URL/v1/learners?limit=1" -H "$AUTH" |
  node -pe 'JSON.parse(require("fs").readFileSync(0)).items[0].id')
ETAG=$(curl --fail --silent --show-error -o /dev/null -D - "$CELR_URL/v1/learners/$ID" -H "$AUTH" |
  tr -d '\r' | sed -n 's/^etag: //Ip')
echo "read learner $ID at version $ETAG"
#endregion read

#region patch
# A JSON merge patch names only what changes. If-Match says which version the change is based on.
NEW_ETAG=$(curl --fail --silent --show-error -o /dev/null -D - -X PATCH "$CELR_URL/v1/learners/$ID" \
  -H "$AUTH" -H "If-Match: $ETAG" -H 'Content-Type: application/merge-patch+json' \
  -d '{"views": [{"recordedOn": "2026-01-15", "text": "I want to keep going to science club.", "how": "In her PEP meeting"}]}' |
  tr -d '\r' | sed -n 's/^etag: //Ip')
echo "patched: now at version $NEW_ETAG"
#endregion patch

#region stale
# The same change again, still based on the old version: refused with 412, nothing is overwritten.
curl --silent -o /dev/null -w 'with the old ETag: %{http_code}\n' -X PATCH "$CELR_URL/v1/learners/$ID" \
  -H "$AUTH" -H "If-Match: $ETAG" -H 'Content-Type: application/merge-patch+json' -d '{"views": []}'
# Without If-Match at all: refused with 428, because a blind overwrite could lose someone's change.
curl --silent -o /dev/null -w 'without If-Match: %{http_code}\n' -X PATCH "$CELR_URL/v1/learners/$ID" \
  -H "$AUTH" -H 'Content-Type: application/merge-patch+json' -d '{"views": []}'
#endregion stale

#region history
# Every version stays readable.
curl --fail --silent --show-error "$CELR_URL/v1/learners/$ID/versions" -H "$AUTH" |
  node -pe 'JSON.parse(require("fs").readFileSync(0)).items.map((v) => `version ${v.version}: ${v.change} at ${v.changedAt}`).join("\n")'
#endregion history
