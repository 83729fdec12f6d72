#!/usr/bin/env bash
# Load a cohort from the SSDA903 return: convert the return's CSV tables to CELR records offline, then
# import them. Included in site/guides/load-ssda903.md; run by tests/docs/ssda903-guide.test.ts
# against a running API, with the fictional files in ssda903/. Needs CELR_API_URL, CELR_CLIENT_ID and
# CELR_CLIENT_SECRET for the import.
set -uo pipefail
RETURN="${1:-ssda903}"
OUT="${2:-cohort.ndjson}"

#region convert
# Converts every table given, in any order; refused rows go to stderr at their own lines, and the
# exit code is 1 when there are any. The other children are converted all the same.
celr convert ssda903 --authority la-code:990 \
  "$RETURN/header.csv" "$RETURN/episodes.csv" "$RETURN/names.csv" --out "$OUT"
echo "convert exit code: $?"
#endregion convert

#region import
celr import "$OUT"
#endregion import
