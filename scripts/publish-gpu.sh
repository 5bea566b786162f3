#!/usr/bin/env bash
# Builds a self-contained linux-x64 spikefit (no .NET needed on the target) and packs it into
# .publish/spikefit-linux-x64.tar.gz (git-ignored), for machines such as the lent GPU box.
# Usage on the target:  mkdir -p /tmp/sf && tar xzf .publish/spikefit-linux-x64.tar.gz -C /tmp/sf && /tmp/sf/spikefit devices
set -euo pipefail
cd "$(dirname "$0")/.."
app=$(mktemp -d)
dotnet publish Experiments -c Release -r linux-x64 --self-contained -p:PublishSingleFile=false -o "$app" -v quiet -nologo
git rev-parse --short=12 HEAD > "$app/COMMIT" 2>/dev/null || echo unknown > "$app/COMMIT"
mkdir -p .publish && tar czf .publish/spikefit-linux-x64.tar.gz -C "$app" . && rm -rf "$app"
ls -la .publish/spikefit-linux-x64.tar.gz
