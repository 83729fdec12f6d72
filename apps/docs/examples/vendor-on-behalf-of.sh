#!/usr/bin/env bash
# A vendor finds the organisations it may act for, then lists learners for one of them. The docs
# include this file (site/getting-started.md) and tests/docs/examples.test.ts runs it against a
# running API with the demo data, so what the page shows works.
set -euo pipefail
CELR_URL="${CELR_URL:-http://localhost:3000}"

TOKEN=$(curl --fail --silent --show-error "$CELR_URL/oauth/token" \
  -d grant_type=client_credentials \
  -d client_id=demo-vendor \
  -d client_secret=demo-vendor-secret |
  node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')

#region me
# Who is this client? For a vendor, `delegatedBy` lists the organisations that delegated to it.
ME=$(curl --fail --silent --show-error "$CELR_URL/v1/me" -H "Authorization: Bearer $TOKEN")
echo "$ME" | node -pe 'const me = JSON.parse(require("fs").readFileSync(0));
  [`${me.organisation.name} (${me.organisation.kind}) acts for:`,
   ...me.delegatedBy.map((o) => `  ${o.id}  ${o.name} (${o.scheme} ${o.code})`)].join("\n")'
#endregion me

#region act
# Act for the first of them: its id goes in CELR-On-Behalf-Of on every request.
ORGANISATION=$(echo "$ME" | node -pe 'JSON.parse(require("fs").readFileSync(0)).delegatedBy[0].id')
curl --fail --silent --show-error "$CELR_URL/v1/learners?limit=2" \
  -H "Authorization: Bearer $TOKEN" \
  -H "CELR-On-Behalf-Of: $ORGANISATION"
#endregion act
