#!/usr/bin/env bash
# Fetch the map libraries from the npm registry (versions pinned in package-lock.json) and put
# the files Lagebild serves itself under static/vendor/. Nothing third-party is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f static/vendor/.complete ] && [ static/vendor/.complete -nt package-lock.json ]; then
  exit 0
fi
npm ci --no-audit --no-fund --silent
rm -rf static/vendor
mkdir -p static/vendor/leaflet static/vendor/markercluster static/vendor/heat
cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
      node_modules/leaflet/dist/images static/vendor/leaflet/
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css static/vendor/markercluster/
cp node_modules/leaflet.heat/dist/leaflet-heat.js static/vendor/heat/
touch static/vendor/.complete
echo "Kartenbibliotheken liegen in static/vendor/."
