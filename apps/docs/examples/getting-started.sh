#!/usr/bin/env bash
# Getting started: get an access token with the demo client that `npm start` prints, then list the
# learners that client's organisation may see. The docs include this file (site/getting-started.md)
# and tests/docs/examples.test.ts runs it against a running API, so what the page shows works.
set -euo pipefail
CELR_URL="${CELR_URL:-http://localhost:3000}"

#region token
# Exchange the client id and secret for an access token (OAuth 2.0 client credentials).
# curl -d sends the form as application/x-www-form-urlencoded.
TOKEN=$(curl --fail --silent --show-error "$CELR_URL/oauth/token" \
  -d grant_type=client_credentials \
  -d client_id=demo-northbridge \
  -d client_secret=demo-northbridge-secret |
  node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
#endregion token

#region list
# List the learners Northbridge Borough Council may see, five to a page.
curl --fail --silent --show-error "$CELR_URL/v1/learners?limit=5" \
  -H "Authorization: Bearer $TOKEN"
#endregion list
