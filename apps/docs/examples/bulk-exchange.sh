#!/usr/bin/env bash
# Bulk exchange with curl: take everything out as NDJSON, send the file back as a bulk import, follow
# the job, read its error report, and ask the change feed what happened since the export. Included in
# site/guides/integrate-mis.md; run by tests/docs/examples.test.ts against a running API.
set -euo pipefail
CELR_URL="${CELR_URL:-http://localhost:3000}"
TOKEN=$(curl --fail --silent --show-error "$CELR_URL/oauth/token" \
  -d grant_type=client_credentials -d client_id=demo-northbridge -d client_secret=demo-northbridge-secret |
  node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
AUTH="Authorization: Bearer $TOKEN"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

#region export
# Everything Northbridge may see, one record per line, streamed into a file. -D keeps the headers:
# CELR-Changes-Cursor is the change feed position the export began at. --fail and set -e stop here
# if the response is cut short (curl exits with 18), so a partial file is never used.
curl --fail --silent --show-error -D export.headers -o cohort.ndjson \
  "$CELR_URL/v1/bulk/export" -H "$AUTH"
CURSOR=$(tr -d '\r' <export.headers | sed -n 's/^celr-changes-cursor: //Ip')
echo "exported $(wc -l <cohort.ndjson) records"
#endregion export

#region import
# Send the file back as one import. The Idempotency-Key is chosen once for this upload: send the
# same file with the same key after a lost response and you get the same job, not a second one.
KEY=$(node -p 'crypto.randomUUID()')
JOB=$(curl --fail --silent --show-error -o /dev/null -D - \
  "$CELR_URL/v1/bulk/import?mode=per-record" \
  -H "$AUTH" -H 'Content-Type: application/x-ndjson' -H "Idempotency-Key: $KEY" \
  --data-binary @cohort.ndjson |
  tr -d '\r' | sed -n 's/^location: //Ip')
echo "queued $JOB"
#endregion import

#region follow
# The job's own URL says where it is. While it runs the answer has Retry-After: wait that long.
while :; do
  curl --fail --silent --show-error -D job.headers -o job.json "$CELR_URL$JOB" -H "$AUTH"
  WAIT=$(tr -d '\r' <job.headers | sed -n 's/^retry-after: //Ip')
  [ -z "$WAIT" ] && break
  sleep "$WAIT"
done
node -pe 'const j = JSON.parse(require("fs").readFileSync("job.json"));
  `${j.status}: ${j.lines} lines, ${j.counts.created} created, ${j.counts.updated} updated, ` +
  `${j.counts.unchanged} unchanged, ${j.counts.failed} failed`'
#endregion follow

#region errors
# Why each failed line failed: its line number, a JSON pointer into its record and the rule broken.
curl --fail --silent --show-error "$CELR_URL$JOB/errors?limit=1000" -H "$AUTH" |
  node -e 'for (const e of JSON.parse(require("fs").readFileSync(0)).items)
    console.log(`line ${e.line}: ${e.pointer || "(record)"} ${e.rule}: ${e.message}`)'
#endregion errors

#region changes
# What changed since the export began: pass the cursor as `after`. Identical lines wrote nothing, so
# sending the export back added nothing to the feed.
curl --fail --silent --show-error "$CELR_URL/v1/changes?after=$CURSOR&limit=1000" -H "$AUTH" |
  node -pe '`changes since the export: ${JSON.parse(require("fs").readFileSync(0)).items.length}`'
#endregion changes
