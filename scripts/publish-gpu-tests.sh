#!/usr/bin/env bash
# Builds the self-contained linux-x64 test runner spikefit-tests (xunit in-process, no .NET needed on
# the target) and packs it into .publish/spikefit-tests-linux-x64.tar.gz (git-ignored), so the
# _Cuda/_OpenCL test classes can run on machines such as the lent GPU box.
# Usage on the target, from the repository root:
#   mkdir -p /tmp/rt && tar xzf .publish/spikefit-tests-linux-x64.tar.gz -C /tmp/rt && /tmp/rt/spikefit-tests
set -euo pipefail
cd "$(dirname "$0")/.."
app=$(mktemp -d)
dotnet publish Tests/GpuRunner -c Release -r linux-x64 --self-contained -p:PublishSingleFile=false -o "$app" -v quiet -nologo
git rev-parse --short=12 HEAD > "$app/COMMIT" 2>/dev/null || echo unknown > "$app/COMMIT"
mkdir -p .publish && tar czf .publish/spikefit-tests-linux-x64.tar.gz -C "$app" . && rm -rf "$app"
ls -la .publish/spikefit-tests-linux-x64.tar.gz
