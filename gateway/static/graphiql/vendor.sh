#!/usr/bin/env bash
# Re-vendor the GraphiQL page's third-party files from the npm registry.
#
# The gateway runs on a closed government network, so GraphiQL is served from
# these local copies only: no CDN, no request leaving the machine.
#
#   bash gateway/static/graphiql/vendor.sh          # fetch, copy, rewrite VENDORED.md
#   bash gateway/static/graphiql/vendor.sh --check  # fetch and compare; change nothing
#
# Needs only `npm` (for `npm pack`, which downloads a package's tarball and
# checks it against the registry's integrity hash; no install scripts run, no
# node_modules is created) plus tar and sha256sum. Versions are pinned below;
# bump them here, rerun, load /graphql in a browser, run
# tests/gateway/test_graphiql_browser.py, and commit the result.
set -euo pipefail

REACT_VERSION=18.3.1
REACT_DOM_VERSION=18.3.1
GRAPHIQL_VERSION=3.8.3   # 3.x still ships a UMD build that uses the React/ReactDOM globals

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

# package@version  file-inside-package  name-in-this-folder
files=(
    "react@${REACT_VERSION}            umd/react.production.min.js     react.production.min.js"
    "react@${REACT_VERSION}            LICENSE                         LICENSE.react"
    "react-dom@${REACT_DOM_VERSION}    umd/react-dom.production.min.js react-dom.production.min.js"
    "react-dom@${REACT_DOM_VERSION}    LICENSE                         LICENSE.react-dom"
    "graphiql@${GRAPHIQL_VERSION}      graphiql.min.js                 graphiql.min.js"
    "graphiql@${GRAPHIQL_VERSION}      graphiql.min.css                graphiql.min.css"
    "graphiql@${GRAPHIQL_VERSION}      LICENSE                         LICENSE.graphiql"
)

for spec in "react@${REACT_VERSION}" "react-dom@${REACT_DOM_VERSION}" "graphiql@${GRAPHIQL_VERSION}"; do
    mkdir -p "$work/$spec"
    tarball="$(cd "$work" && npm pack --silent "$spec")"
    tar -xzf "$work/$tarball" -C "$work/$spec"
done

mismatch=0
rows=""
for line in "${files[@]}"; do
    read -r spec inner name <<<"$line"
    src="$work/$spec/package/$inner"
    [[ -f "$src" ]] || { echo "missing $inner in $spec" >&2; exit 1; }
    sum="$(sha256sum "$src" | cut -d' ' -f1)"
    size="$(stat -c %s "$src")"
    licence="$(node -p "require('$work/$spec/package/package.json').license")"
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
    rows+="| \`$name\` | \`${spec%@*}\` | ${spec##*@} | \`$inner\` | $size | $licence | \`$sum\` |"$'\n'
done

if (( check )); then
    exit "$mismatch"
fi

cat >"$here/VENDORED.md" <<EOF
# Vendored GraphiQL files

Written by \`vendor.sh\` in this folder; do not edit by hand. Rerun the script
to update, or \`vendor.sh --check\` to confirm the files here are byte-for-byte
the registry's.

The gateway's network is closed, so \`index.html\` loads only these files, from
\`/static/graphiql/\` on the gateway itself. Each file is copied unchanged from
the package's npm tarball (\`npm pack\`, integrity-checked by npm). Source maps
are not vendored: the two GraphiQL files still end with a \`sourceMappingURL\`
comment, which a browser follows only when its developer tools are open (the
request goes to this gateway and gets a 404, never elsewhere).

| file | package | version | path in package | bytes | licence | sha256 |
| --- | --- | --- | --- | ---: | --- | --- |
${rows}
## Licences

- React and ReactDOM: MIT, Copyright (c) Facebook, Inc. and its affiliates
  (\`LICENSE.react\`, \`LICENSE.react-dom\`).
- GraphiQL: MIT, Copyright (c) 2021 GraphQL Contributors (\`LICENSE.graphiql\`).
  \`graphiql.min.js\` is a webpack bundle that also contains GraphiQL's own
  dependencies (among them @graphiql/react, @graphiql/toolkit, graphql-js,
  codemirror 5, codemirror-graphql, markdown-it, graphql-ws, Radix UI,
  @headlessui/react and framer-motion). They are under permissive licences:
  MIT for nearly all, 0BSD for tslib, BSD-2-Clause for entities.
- Despite its name \`graphiql.min.js\` is not minified (about 3.4 MiB); served
  with gzip it is roughly a fifth of that.
EOF
echo "wrote $here/VENDORED.md"
