#!/usr/bin/env bash
# Adds every public symbol the build reports as undeclared (RS0016) to src/Sprout*/PublicAPI.Unshipped.txt, so that a
# deliberate API addition is one command and shows up as a diff. Removals (RS0017) are left to be edited by hand.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
for project in "$root"/src/*/; do
  api="$project/PublicAPI.Unshipped.txt"
  [ -f "$api" ] || continue
  dotnet build "$project" -c Release 2>&1 | grep -o "error RS0016: Symbol '[^']*'" | sed "s/^error RS0016: Symbol '//; s/'$//" | sort -u > "$api.new" || true
  if [ -s "$api.new" ]; then
    { cat "$api"; cat "$api.new"; } | { read -r header; echo "$header"; sort -u; } > "$api.tmp" && mv "$api.tmp" "$api"
    echo "$(wc -l < "$api.new") symbol(s) added to $api"
  fi
  rm -f "$api.new"
done
