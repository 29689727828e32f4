#!/usr/bin/env bash
# Install the browser assets of the API docs pages from npm (package-lock.json) and copy the few
# files the pages load into the package, so /docs and /redoc work offline (no CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=src/childguard/api/static/docs
npm ci --no-audit --no-fund --ignore-scripts --silent
mkdir -p "$dest"
for f in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE; do
  cp node_modules/swagger-ui-dist/$f "$dest/${f/LICENSE/LICENSE.swagger-ui}"
done
cp node_modules/redoc/bundles/redoc.standalone.js "$dest/"
cp node_modules/redoc/LICENSE "$dest/LICENSE.redoc"
echo "docs assets in $dest"
