#!/usr/bin/env bash
# One command for a machine with a GPU: installs what the project needs, runs the WebGPU tests and the
# GPU benchmark within about 5 minutes, and writes the results to the folder given as $1:
#   summary.txt      the machine, the Vulkan drivers used, what ran and how it ended
#   tests.txt        vitest's output for tests/gpu (Node + Dawn; Chromium too where /usr/bin/chromium exists)
#   bench-gpu.json   npm run bench:gpu -- --json (the figures), bench-gpu.txt its readable lines
# Usage: scripts/gpu-check.sh OUTDIR        (GPU_CHECK_QUICK=1: the benchmark's --quick run, a smoke test)
#
# Drivers: Dawn (the `webgpu` package) finds the GPU through the Vulkan loader. vitest.config.ts and
# src/gpu/nodeGpu.ts point it at SwiftShader (software) when VK_ICD_FILENAMES is unset and Debian's
# chromium ICD exists; on a GPU machine that has chromium too, that would hide the GPU. So this script
# never sets SwiftShader: when VK_ICD_FILENAMES is unset it sets it to the hardware ICDs it finds
# (every ICD manifest except SwiftShader's and lavapipe's), and it leaves a value you set alone.
set -uo pipefail
out="${1:?usage: scripts/gpu-check.sh OUTDIR}"
mkdir -p "$out" || { echo "gpu-check: cannot create $out" >&2; exit 2; }
out="$(cd "$out" && pwd)"
cd "$(dirname "$0")/.." || exit 2
start=$(date +%s)
summary="$out/summary.txt"
: > "$summary"
log() { echo "$*" | tee -a "$summary"; }

log "gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) CPUs, node $(node --version 2>/dev/null || echo missing)"
if command -v nvidia-smi > /dev/null; then nvidia-smi -L 2>&1 | sed 's/^/  /' | tee -a "$summary"; fi

# --- Vulkan drivers: hardware ICDs only, unless the caller chose ---
gpu_device=0
if [ -e /dev/nvidia0 ] || compgen -G '/dev/dri/renderD*' > /dev/null || nvidia-smi -L > /dev/null 2>&1; then gpu_device=1; fi
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ $gpu_device = 0 ]; then
  log "WARNING: no GPU device node (/dev/nvidia0, /dev/dri/renderD*): VK_ICD_FILENAMES left unset, so the tests and the"
  log "  benchmark run on SwiftShader if chromium is installed. Such figures are NOT hardware figures (bench JSON: adapter.software)."
elif [ -z "${VK_ICD_FILENAMES:-}" ]; then
  icds=()
  for dir in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    [ -d "$dir" ] || continue
    for f in "$dir"/*.json; do
      [ -e "$f" ] || continue
      case "$(basename "$f")" in *swiftshader*|*lvp*|*lavapipe*) continue ;; esac
      icds+=("$f")
    done
  done
  if [ ${#icds[@]} -gt 0 ]; then
    VK_ICD_FILENAMES="$(IFS=:; echo "${icds[*]}")"
    export VK_ICD_FILENAMES
    log "Vulkan ICDs (hardware): $VK_ICD_FILENAMES"
  else
    log "WARNING: a GPU device exists but no hardware Vulkan ICD manifest was found (looked in /etc/vulkan/icd.d,"
    log "  /usr/share/vulkan/icd.d): Dawn may find no adapter, or fall back to SwiftShader if chromium is installed:"
    log "  such figures are NOT hardware figures."
    log "  (NVIDIA in a container: the image needs NVIDIA_DRIVER_CAPABILITIES including graphics, and libvulkan1.)"
  fi
else
  log "Vulkan ICDs (set by the caller): $VK_ICD_FILENAMES"
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    log "installing libvulkan1 (the Vulkan loader Dawn needs)"
    timeout 120 apt-get install -y --no-install-recommends libvulkan1 > "$out/apt.txt" 2>&1 || log "WARNING: apt-get install libvulkan1 failed (see apt.txt)"
  else
    log "WARNING: libvulkan.so.1 not found and cannot be installed here: Dawn will find no adapter"
  fi
fi

# --- the project's packages ---
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] && [ -d node_modules/webgpu ]; then
  log "node_modules present and newer than package-lock.json: npm ci skipped"
else
  log "npm ci"
  if ! timeout 150 npm ci --prefer-offline --no-audit --no-fund > "$out/npm-ci.txt" 2>&1; then
    log "FAILED: npm ci (see npm-ci.txt)"
    exit 1
  fi
fi

# --- the GPU tests (Node + Dawn; the browser project where Chromium exists) ---
status=0
log "tests: npx vitest run tests/gpu --project node"
timeout 150 npx vitest run tests/gpu --project node > "$out/tests.txt" 2>&1
rc=$?
log "  exit $rc: $(grep -aE 'Tests +[0-9]' "$out/tests.txt" | sed 's/\x1b\[[0-9;]*m//g' | tail -1)"
[ $rc -eq 0 ] || status=1
if [ -x /usr/bin/chromium ] && [ $(( $(date +%s) - start )) -lt 150 ]; then
  log "tests: npx vitest run tests/gpu/kernels.browser.test.ts --project browser"
  timeout 60 npx vitest run tests/gpu/kernels.browser.test.ts --project browser >> "$out/tests.txt" 2>&1
  rc=$?
  log "  exit $rc"
  [ $rc -eq 0 ] || status=1
fi

# --- the benchmark, within what is left of 5 minutes ---
left=$(( 290 - ($(date +%s) - start) ))
if [ $left -lt 30 ]; then left=30; fi
quick=()
[ "${GPU_CHECK_QUICK:-}" = 1 ] && quick=(--quick)
log "bench: npm run bench:gpu -- --json ${quick[*]} (time limit ${left} s; the JSON is rewritten after each size)"
# tsx directly, so the time limit stops the benchmark itself and not only an npm wrapper
timeout "$left" node_modules/.bin/tsx scripts/bench-gpu.ts --json "${quick[@]}" --out "$out/bench-gpu.json" > /dev/null 2> "$out/bench-gpu.txt"
rc=$?
log "  exit $rc$( [ $rc -eq 124 ] && echo ' (time limit reached: bench-gpu.txt has the sizes that finished)')"
grep -aE 'adapter:|kernel timing' "$out/bench-gpu.txt" | head -2 | sed 's/^/  /' | tee -a "$summary"
[ $rc -eq 0 ] || status=1
log "done in $(( $(date +%s) - start )) s; results in $out"
exit $status
