#!/bin/sh
# Trunk post_build hook: writes the list of hashed build files into the service worker, and
# a version derived from their contents, so every build gets a fresh cache and old ones go.
set -eu
cd "$TRUNK_STAGING_DIR"
[ -f sw.js ] || exit 0
LIST=$(find . -type f ! -name sw.js | sed 's#^\./##' | sort | sed 's#.*#  "&",#')
VERSION=$(find . -type f ! -name sw.js | sort | xargs cat | sha256sum | cut -c1-16)
{ printf 'const VERSION = "%s";\nconst PRECACHE = [\n  "./",\n%s\n];\n' "$VERSION" "$LIST"; cat sw.js; } > sw.js.tmp
mv sw.js.tmp sw.js
