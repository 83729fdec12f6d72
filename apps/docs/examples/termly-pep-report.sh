#!/usr/bin/env bash
# The termly PEP report, on the demo's data: included in site/guides/termly-pep-report.md and run by
# tests/docs/termly-guide.test.ts against an API with the demo loaded, as Northbridge's client
# (CELR_API_URL, CELR_CLIENT_ID=demo-northbridge, CELR_CLIENT_SECRET=demo-northbridge-secret).
set -euo pipefail
AS_OF="${1:-2026-07-17}"

#region overdue
# Who needs chasing today: the children with a deadline past and not met.
celr report pep-compliance --as-of "$AS_OF" --status overdue
#endregion overdue

#region files
# The whole report as a spreadsheet, and as a page for the corporate parenting board.
celr report pep-compliance --as-of "$AS_OF" --csv > "pep-compliance-$AS_OF.csv"
celr report pep-compliance --as-of "$AS_OF" --html "pep-compliance-$AS_OF.html"
#endregion files
