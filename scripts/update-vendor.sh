#!/usr/bin/env bash
# Refresh the pinned front-end builds under static/vendor/ from the npm registry.
# Needs Node.js and npm only when run; the built files are committed so running the
# service never needs Node.
#
# GOV.UK Frontend is compiled from its Sass with a council font stack: the GDS Transport
# typeface and the crown are reserved for GOV.UK and must not appear in a council service.
set -euo pipefail

GOVUK_FRONTEND_VERSION="${GOVUK_FRONTEND_VERSION:-6.6.0}"
HTMX_VERSION="${HTMX_VERSION:-2.0.8}"
SASS_VERSION="${SASS_VERSION:-1.93.2}"

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "govuk-frontend@${GOVUK_FRONTEND_VERSION}" "htmx.org@${HTMX_VERSION}" >/dev/null
mkdir govuk htmx
tar xzf "govuk-frontend-${GOVUK_FRONTEND_VERSION}.tgz" -C govuk --strip-components=1
tar xzf "htmx.org-${HTMX_VERSION}.tgz" -C htmx --strip-components=1

cat > council.scss <<SCSS
\$govuk-font-family: arial, sans-serif;
\$govuk-include-default-font-face: false;
\$govuk-assets-path: "../assets/";
@use "sass:meta";
@import "govuk/dist/govuk/index";
SCSS
npx --yes "sass@${SASS_VERSION}" --no-source-map --style=compressed --quiet-deps \
  --silence-deprecation=import --load-path=. council.scss govuk-frontend.min.css

rm -rf "$vendor/govuk-frontend" "$vendor/htmx"
mkdir -p "$vendor/govuk-frontend/css" "$vendor/govuk-frontend/js" "$vendor/govuk-frontend/assets/images" "$vendor/htmx"
# The footer crest is a GOV.UK mark: drop its background image from the build.
sed 's#url("../assets/images/govuk-crest.svg")#none#g' govuk-frontend.min.css > "$vendor/govuk-frontend/css/govuk-frontend.min.css"
cp govuk/dist/govuk/govuk-frontend.min.js "$vendor/govuk-frontend/js/"
# Only the generic images; the crest and crown icons belong to GOV.UK.
cp govuk/dist/govuk/assets/images/favicon.ico "$vendor/govuk-frontend/assets/images/" 2>/dev/null || true
cp htmx/dist/htmx.min.js "$vendor/htmx/"
cp htmx/LICENSE "$vendor/htmx/LICENSE"

cat > "$vendor/govuk-frontend/LICENSE.txt" <<LICENCE
GOV.UK Frontend ${GOVUK_FRONTEND_VERSION} (npm package govuk-frontend)

The MIT License (MIT)

Copyright (C) 2018 Crown copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LICENCE

cat > "$vendor/VERSIONS.txt" <<VERSIONS
govuk-frontend ${GOVUK_FRONTEND_VERSION} (compiled with sass ${SASS_VERSION}, font stack: arial, sans-serif)
htmx.org ${HTMX_VERSION}
VERSIONS
echo "static/vendor refreshed: govuk-frontend ${GOVUK_FRONTEND_VERSION}, htmx ${HTMX_VERSION}"
