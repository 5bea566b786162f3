#!/usr/bin/env bash
# W1 and W2 on this CPU against both PyTorch scripts (snnTorch style and multi-step), three rounds
# each, every round one `spikefit bench train --compare-pytorch` invocation, so the three
# implementations are timed within the same minutes. Writes <out>/w{1,2}-cpu-r{1,2,3}.{json,txt},
# <out>/machine.txt (uptime before and after every round, CPU, PyTorch, BLAS) and prints a summary
# (samples/s, both ratios, the headline against the faster PyTorch script, peak device memory).
#
#   bash bench/measure-cpu.sh results/bench/cpu-$(date -u +%F)      # from the repository root
#   BATCHES=5 bash bench/measure-cpu.sh /tmp/smoke                   # a quick check that it runs
#
# Run it on a quiet machine: the figures are only as good as the machine is idle (see `uptime` in machine.txt).
set -euo pipefail
out=${1:?usage: bench/measure-cpu.sh OUTPUT_FOLDER}
batches=${BATCHES:-30}
python=${PYTHON:-/usr/bin/python3}
rounds=${ROUNDS:-3}
cd "$(dirname "$0")/.."
mkdir -p "$out"
if ! "$python" -c "import torch" 2>/dev/null; then
  echo "PyTorch is not importable by $python: install it (sudo apt-get install python3-torch libopenblas0-pthread) or set PYTHON" >&2
  exit 2
fi
dotnet build Experiments -c Release -v quiet -nologo >/dev/null
bin=Experiments/bin/Release/net10.0/spikefit
export SPIKEFIT_COMMIT=${SPIKEFIT_COMMIT:-$(git rev-parse --short HEAD)}
{
  echo "commit $SPIKEFIT_COMMIT$(git diff --quiet || echo ' (working tree modified)')"
  echo "date $(date -u +%FT%TZ)"
  echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
  echo "pytorch $("$python" -c 'import torch; print(torch.__version__)')"
  echo "blas $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown)"
} > "$out/machine.txt"
for round in $(seq 1 "$rounds"); do
  for w in 1 2; do
    net=$([ $w = 1 ] && echo mlp || echo conv)
    echo "round $round W$w before: $(uptime)" >> "$out/machine.txt"
    "$bin" bench train --net $net --device cpu --batches "$batches" --compare-pytorch --python "$python" \
      --json "$out/w$w-cpu-r$round.json" | tee "$out/w$w-cpu-r$round.txt"
    echo "round $round W$w after: $(uptime)" >> "$out/machine.txt"
  done
done
"$python" - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
print(f"\n{'run':<14}{'SpikeFit/s':>12}{'snnTorch/s':>12}{'multistep/s':>13}{'vs snnTorch':>13}{'vs multistep':>14}{'headline':>10}{'peak MiB':>10}")
for path in sorted(glob.glob(os.path.join(out, "w*-cpu-r*.json"))):
    r = json.load(open(path))
    torch = r.get("pytorch") or {}
    sps = lambda s: torch[s]["samples_per_second"] if s in torch else float("nan")
    ratios = r.get("ratios") or {}
    print(f"{os.path.basename(path)[:-5]:<14}{r['samplesPerSecond']:>12.0f}{sps('snntorch'):>12.0f}{sps('multistep'):>13.0f}"
          f"{ratios.get('snntorch', float('nan')):>12.1f}x{ratios.get('multistep', float('nan')):>13.1f}x"
          f"{(r.get('ratio') or float('nan')):>9.1f}x{r['peakDeviceBytes'] / 2**20:>10.0f}")
PY
