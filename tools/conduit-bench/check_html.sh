#!/usr/bin/env bash
# Opens conduit-bench's HTML report in headless Chromium and checks that the page renders
# with its charts: the DOM after rendering must hold two SVG charts with bars, and a
# screenshot must be written.
set -euo pipefail
html="$1"
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
  echo "chromium is not installed (scripts/setup.sh installs it)"
  exit 1
fi
[[ -s "$html" ]] || { echo "no report at $html"; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile")
dom=$(timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$(realpath "$html")" 2>/dev/null)
charts=$(grep -o '<svg class="chart"' <<<"$dom" | wc -l)
bars=$(grep -o '<rect class="bar' <<<"$dom" | wc -l)
echo "rendered DOM: $charts charts, $bars bars"
[[ "$charts" -ge 2 && "$bars" -ge 3 ]] || { echo "charts missing"; exit 1; }
shot="${html%.html}.png"
timeout 120 "$browser" "${flags[@]}" --window-size=1000,1400 --screenshot="$shot" \
  "file://$(realpath "$html")" >/dev/null 2>&1
[[ -s "$shot" ]] || { echo "no screenshot"; exit 1; }
echo "screenshot: $shot"
