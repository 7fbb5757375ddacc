#!/usr/bin/env bash
# Re-vendor the dashboard's charting library (Chart.js, UMD build) from the npm registry.
#
# The gateway runs on a closed government network, so the dashboard loads only these local
# copies: no CDN, no request leaving the machine.
#
#   bash gateway/static/dashboard/vendor.sh          # fetch, copy, rewrite VENDORED.md
#   bash gateway/static/dashboard/vendor.sh --check  # fetch and compare; change nothing
#
# Needs only `npm` (`npm pack` downloads the tarball and checks the registry's integrity
# hash; no install scripts run) plus tar and sha256sum. The version is pinned below.
set -euo pipefail

CHARTJS_VERSION=4.4.7

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check=0
if [[ "${1:-}" == "--check" ]]; then
    check=1
elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--check]" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

spec="chart.js@${CHARTJS_VERSION}"
files=(
    "dist/chart.umd.js  chart.umd.js"
    "LICENSE.md         LICENSE.chartjs.md"
)
mkdir -p "$work/pkg"
tarball="$(cd "$work" && npm pack --silent "$spec")"
tar -xzf "$work/$tarball" -C "$work/pkg"

mismatch=0
rows=""
for line in "${files[@]}"; do
    read -r inner name <<<"$line"
    src="$work/pkg/package/$inner"
    [[ -f "$src" ]] || { echo "missing $inner in $spec" >&2; exit 1; }
    sum="$(sha256sum "$src" | cut -d' ' -f1)"
    size="$(stat -c %s "$src")"
    if (( check )); then
        if [[ -f "$here/$name" ]] && cmp -s "$src" "$here/$name"; then
            echo "ok       $sum  $name"
        else
            echo "DIFFERS  $sum  $name" >&2
            mismatch=1
        fi
    else
        cp "$src" "$here/$name"
        echo "$sum  $name"
    fi
    rows+="| \`$name\` | \`chart.js\` | ${CHARTJS_VERSION} | \`$inner\` | $size | MIT | \`$sum\` |"$'\n'
done

if (( check )); then
    exit "$mismatch"
fi

cat >"$here/VENDORED.md" <<MD
# Vendored dashboard files

Written by \`vendor.sh\` in this folder; do not edit by hand. Rerun the script to update, or
\`vendor.sh --check\` to confirm the files here are byte-for-byte the registry's.

The dashboard (\`GET /dashboard\`) loads only files from \`/static/dashboard/\` on the gateway
itself; its Content-Security-Policy allows nothing else. \`chart.umd.js\` is copied unchanged from
the package's npm tarball (\`npm pack\`, integrity-checked by npm). Its source map is not vendored:
the file ends with a \`sourceMappingURL\` comment that a browser follows only with its developer
tools open (the request goes to this gateway and gets a 404).

| file | package | version | path in package | bytes | licence | sha256 |
| --- | --- | --- | --- | ---: | --- | --- |
${rows}
## Licence

Chart.js: MIT, Copyright (c) 2014-2024 Chart.js Contributors (\`LICENSE.chartjs.md\`).
The dashboard's own files (\`index.html\`, \`dashboard.js\`, \`dashboard.css\`) are ours.
MD
echo "wrote $here/VENDORED.md"
