#!/usr/bin/env bash
# One command for a machine with a GPU: runs the WebGPU tests and the GPU benchmark within 5 minutes and
# writes everything into the folder given as $1:
#   summary.txt      the machine, the Vulkan drivers and the adapter used, what ran, how it ended, the targets
#   tests.txt        vitest's output for tests/gpu (Node + Dawn; Chromium too where /usr/bin/chromium exists)
#   bench-gpu.json   npm run bench:gpu -- --json (the figures; rewritten after each section, "complete": false
#                    until the end), bench-gpu.txt its readable lines
#   install.txt      the install steps' output, where any ran (the bundle, npm ci, apt)
# (at most five files: the device tool brings back eight)
#
#   scripts/gpu-check.sh --pack     on a machine with the package registries (a developer's): writes
#                                   .gpu-bundle/ (ignored by git) for a GPU machine that reaches no network:
#                                   Node, node_modules without what the GPU run never loads, and the Vulkan
#                                   loader's Debian packages. Send it along (the device tool: carry .gpu-bundle)
#   scripts/gpu-check.sh OUTDIR     on the GPU machine: installs from .gpu-bundle/ where present (else npm ci),
#                                   then the tests and the benchmark
# GPU_CHECK_QUICK=1: the benchmark's --quick run, a smoke test. GPU_CHECK_TESTS: the test files (default tests/gpu). GPU_CHECK_SECONDS (default 290): the whole
# run's time limit; the tests get at most half, the benchmark what is left, and it skips (and names, in
# bench-gpu.json's skippedForTime) what would not fit.
#
# Drivers: Dawn (the `webgpu` package) finds the GPU through the Vulkan loader (libvulkan.so.1) and a driver
# manifest (an ICD .json). vitest.config.ts and src/gpu/nodeGpu.ts point Dawn at SwiftShader (software)
# when VK_ICD_FILENAMES is unset and Debian's chromium ICD exists; on a GPU machine that also has chromium,
# that would hide the GPU. So on a machine with a GPU device this script sets VK_ICD_FILENAMES and
# VK_DRIVER_FILES (newer loaders read the latter) to the hardware manifests it finds, NVIDIA's container
# mount (/usr/local/nvidia/share/vulkan/icd.d) included, or to one it writes for NVIDIA's libGLX_nvidia.so.0
# when the driver is there without a manifest; a value you set is kept.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root="$(pwd)"
bundle="$root/.gpu-bundle"

if [ "${1:-}" = --pack ]; then
  # --- here, with the registries: everything the GPU machine would otherwise download ---
  set -e
  command -v node > /dev/null || { echo "gpu-check --pack: node is needed here" >&2; exit 2; }
  if [ ! -d node_modules/webgpu ] || [ ! -d node_modules/vitest ]; then npm ci --no-audit --no-fund; fi
  rm -rf "$bundle"
  mkdir -p "$bundle/debs" "$bundle/node/bin"
  exclude_file="$(git rev-parse --git-path info/exclude)"
  mkdir -p "$(dirname "$exclude_file")"
  grep -qxF '/.gpu-bundle/' "$exclude_file" 2> /dev/null || echo '/.gpu-bundle/' >> "$exclude_file"
  echo "gpu-check --pack: node $(node --version) ($(uname -m))"
  cp "$(readlink -f "$(command -v node)")" "$bundle/node/bin/node"
  tar -C "$bundle" -cf - node | xz -T0 -6 > "$bundle/node.tar.xz"
  rm -rf "$bundle/node"
  # what a GPU run never loads: other platforms' Dawn builds, the type checker and type packages
  echo "gpu-check --pack: node_modules"
  tar -cf - --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
    --exclude='node_modules/webgpu/dist/linux-arm64' --exclude='node_modules/typescript' --exclude='node_modules/@types' \
    --exclude='node_modules/.cache' --exclude='node_modules/.vite' node_modules | xz -T0 -6 > "$bundle/node_modules.tar.xz"
  # the Vulkan loader and GL vendor-neutral dispatch NVIDIA's Vulkan driver (libGLX_nvidia.so.0) needs
  debs=(libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2)
  (cd "$bundle/debs" && apt-get download "${debs[@]}" > /dev/null 2>&1) ||
    { apt-get update > /dev/null && (cd "$bundle/debs" && apt-get download "${debs[@]}"); }
  bytes=$(du -sb "$bundle" | cut -f1)
  echo "gpu-check --pack: $bundle is $(( bytes / 1048576 )) MiB:"
  ls -la "$bundle" "$bundle/debs"
  if [ "$bytes" -gt $(( 60 * 1048576 )) ]; then echo "WARNING: over 60 MiB: with the working tree it may not fit a 64 MiB transfer" >&2; fi
  exit 0
fi

out="${1:?usage: scripts/gpu-check.sh OUTDIR | scripts/gpu-check.sh --pack}"
mkdir -p "$out" || { echo "gpu-check: cannot create $out" >&2; exit 2; }
out="$(cd "$out" && pwd)"
limit="${GPU_CHECK_SECONDS:-290}"
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start )); }
summary="$out/summary.txt"
: > "$summary"
rm -f "$out/install.txt"
log() { echo "$*" | tee -a "$summary"; }

# --- Node and the packages: from the bundle where there is one (an offline GPU machine), else npm ci ---
untar() { # FILE.tar.xz DIR: with xz where it exists, else with Python's tarfile
  if command -v xz > /dev/null; then tar -xJf "$1" -C "$2"
  else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; fi
}
if [ -d "$bundle" ]; then
  {
    # package.json asks for Node >= 20: an older one on the machine gives way to the bundle's
    if [ -f "$bundle/node.tar.xz" ] && [ "$(node -p 'process.versions.node.split(".")[0]' 2> /dev/null || echo 0)" -lt 20 ]; then
      mkdir -p /tmp/gpu-check-node && untar "$bundle/node.tar.xz" /tmp/gpu-check-node && echo "node from the bundle"
    fi
    if [ ! -d node_modules/webgpu ] && [ -f "$bundle/node_modules.tar.xz" ]; then
      untar "$bundle/node_modules.tar.xz" . && echo "node_modules from the bundle"
    fi
    if ! ldconfig -p 2> /dev/null | grep -q 'libvulkan\.so\.1' && compgen -G "$bundle/debs/*.deb" > /dev/null; then
      # only the loader's packages, unpacked over / (no maintainer scripts), then the linker cache
      for f in "$bundle"/debs/*.deb; do dpkg -x "$f" / && echo "unpacked $(basename "$f")"; done
      ldconfig
    fi
  } >> "$out/install.txt" 2>&1
fi
[ -x /tmp/gpu-check-node/node/bin/node ] && export PATH="/tmp/gpu-check-node/node/bin:$PATH"

log "gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) CPUs, node $(node --version 2> /dev/null || echo missing), time limit ${limit} s"
if ! command -v node > /dev/null; then
  log "FAILED: no node here, and no .gpu-bundle/node.tar.xz (run scripts/gpu-check.sh --pack on a machine with the registries)"
  exit 1
fi
if command -v nvidia-smi > /dev/null; then nvidia-smi -L 2>&1 | sed 's/^/  /' | tee -a "$summary"; fi

if [ -f node_modules/.package-lock.json ] && [ -d node_modules/webgpu ] && [ -d node_modules/vitest ]; then
  log "node_modules present: npm ci skipped"
else
  log "npm ci"
  if ! timeout 150 npm ci --prefer-offline --no-audit --no-fund >> "$out/install.txt" 2>&1; then
    log "FAILED: npm ci (see install.txt; a machine without the registries needs .gpu-bundle from scripts/gpu-check.sh --pack)"
    exit 1
  fi
fi

# --- Vulkan: the loader, and hardware drivers only unless the caller chose ---
if ! ldconfig -p 2> /dev/null | grep -q 'libvulkan\.so\.1'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null && timeout 120 apt-get install -y --no-install-recommends libvulkan1 >> "$out/install.txt" 2>&1; then
    log "installed libvulkan1 (the Vulkan loader Dawn needs)"
  else
    log "WARNING: libvulkan.so.1 not found and not installed (no bundle, no apt): Dawn will find no adapter"
  fi
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && case ":${LD_LIBRARY_PATH:-}:" in *":$d:"*) ;; *) export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;; esac
done
gpu_device=0
if [ -e /dev/nvidia0 ] || compgen -G '/dev/dri/renderD*' > /dev/null || nvidia-smi -L > /dev/null 2>&1; then gpu_device=1; fi
if [ -n "${VK_ICD_FILENAMES:-}" ]; then
  export VK_DRIVER_FILES="${VK_DRIVER_FILES:-$VK_ICD_FILENAMES}"
  log "Vulkan ICDs (set by the caller): $VK_ICD_FILENAMES"
elif [ $gpu_device = 0 ]; then
  swiftshader=/usr/lib/chromium/vk_swiftshader_icd.json
  log "WARNING: no GPU device node (/dev/nvidia0, /dev/dri/renderD*): the tests and the benchmark run on a software"
  log "  adapter if there is one. Such figures are NOT hardware figures (bench JSON: adapter.software)."
  if [ -f $swiftshader ]; then export VK_ICD_FILENAMES=$swiftshader VK_DRIVER_FILES=$swiftshader; log "Vulkan ICD: $swiftshader (SwiftShader)"; fi
else
  icds=()
  for dir in /usr/local/nvidia/share/vulkan/icd.d /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    [ -d "$dir" ] || continue
    for f in "$dir"/*.json; do
      [ -e "$f" ] || continue
      case "$(basename "$f")" in *swiftshader*|*lvp*|*lavapipe*) continue ;; esac
      icds+=("$f")
    done
  done
  if [ ${#icds[@]} -eq 0 ] && ldconfig -p 2> /dev/null | grep -q 'libGLX_nvidia\.so\.0'; then
    # the NVIDIA driver is there without its manifest: the manifest it ships names this library
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "libGLX_nvidia.so.0", "api_version": "1.3.0" } }\n' > /tmp/gpu-check-nvidia_icd.json
    icds+=(/tmp/gpu-check-nvidia_icd.json)
    log "no Vulkan ICD manifest found; wrote nvidia_icd.json for libGLX_nvidia.so.0"
  fi
  if [ ${#icds[@]} -gt 0 ]; then
    VK_ICD_FILENAMES="$(IFS=:; echo "${icds[*]}")"
    export VK_ICD_FILENAMES VK_DRIVER_FILES="$VK_ICD_FILENAMES"
    log "Vulkan ICDs (hardware): $VK_ICD_FILENAMES"
  else
    log "WARNING: a GPU device exists but no hardware Vulkan ICD manifest or libGLX_nvidia.so.0 was found: Dawn may find"
    log "  no adapter, or fall back to SwiftShader if chromium is installed: such figures are NOT hardware figures."
    log "  (NVIDIA in a container: the image needs NVIDIA_DRIVER_CAPABILITIES including graphics.)"
  fi
fi

# --- which adapter Dawn gives (the same request as src/gpu/device.ts) ---
timeout 60 node --input-type=module -e "
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!a) { console.log('no WebGPU adapter'); process.exit(3); }
const i = a.info ?? {};
console.log([i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' / ') + (a.isFallbackAdapter ? ' (fallback adapter)' : ''));
console.log('maxStorageBufferBindingSize ' + a.limits.maxStorageBufferBindingSize + ', maxBufferSize ' + a.limits.maxBufferSize + ', timestamp-query ' + a.features.has('timestamp-query'));
process.exit(0);
" > /tmp/gpu-check-adapter.txt 2> /tmp/gpu-check-adapter.err
rc=$?
# Dawn's stderr carries noise (XDG_RUNTIME_DIR); it is shown only when no adapter came
{ cat /tmp/gpu-check-adapter.txt; [ $rc -eq 0 ] || grep -v XDG_RUNTIME_DIR /tmp/gpu-check-adapter.err; } | head -8 | sed 's/^/adapter: /' | tee -a "$summary"
software=0
if [ $rc -ne 0 ]; then
  log "FAILED: no WebGPU adapter (exit $rc): the tests and the benchmark cannot run"
  exit 1
elif grep -qiE 'swiftshader|llvmpipe|lavapipe|fallback' /tmp/gpu-check-adapter.txt; then
  software=1
  [ $gpu_device = 1 ] && log "WARNING: a GPU device exists but Dawn's adapter is a software one: these are NOT hardware figures"
fi

# --- the GPU tests (Node + Dawn; the browser project where Chromium exists), at most half the time ---
status=0
tests_limit=$(( limit / 2 ))
# benchQuick.gpu.test.ts runs the benchmark's --quick run, which the benchmark below supersedes
tests="${GPU_CHECK_TESTS:-tests/gpu}"
log "tests: vitest run $tests --project node (time limit ${tests_limit} s)"
# shellcheck disable=SC2086
timeout "$tests_limit" node node_modules/vitest/vitest.mjs run $tests --project node --exclude tests/gpu/benchQuick.gpu.test.ts > "$out/tests.txt" 2>&1
rc=$?
log "  exit $rc$( [ $rc -eq 124 ] && echo ' (time limit reached)'): $(sed 's/\x1b\[[0-9;]*m//g' "$out/tests.txt" | grep -aE '^ *(Test Files|Tests) +[0-9]' | tr -s ' ' | paste -sd ';' -)"
[ $rc -eq 0 ] || status=1
if [ -x /usr/bin/chromium ] && [ "$(elapsed)" -lt $(( tests_limit - 30 )) ]; then
  log "tests: vitest run tests/gpu/kernels.browser.test.ts --project browser"
  timeout 60 node node_modules/vitest/vitest.mjs run tests/gpu/kernels.browser.test.ts --project browser >> "$out/tests.txt" 2>&1
  rc=$?
  log "  exit $rc"
  [ $rc -eq 0 ] || status=1
fi

# --- the benchmark, within what is left ---
left=$(( limit - $(elapsed) - 5 ))
if [ $left -lt 30 ]; then left=30; fi
bench=(--json --out "$out/bench-gpu.json" --time-budget-s $(( left - 10 )))
[ "${GPU_CHECK_QUICK:-}" = 1 ] && bench+=(--quick)
# a hardware adapter has the memory for larger batches than the default budget
[ $software = 0 ] && bench+=(--budget-gib 16)
log "bench: bench-gpu.ts ${bench[*]} (hard limit ${left} s)"
# node directly, so the time limit stops the benchmark itself and not only an npm wrapper
timeout "$left" node --import tsx scripts/bench-gpu.ts "${bench[@]}" > /dev/null 2> "$out/bench-gpu.txt"
rc=$?
log "  exit $rc$( [ $rc -eq 124 ] && echo ' (hard time limit reached: bench-gpu.json has the sections that finished)')"
# the targets and what was skipped, from the JSON (written after each section, so also after a hard stop)
node -e '
const fs = require("fs");
let d;
try { d = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch { console.log("  no bench-gpu.json"); process.exit(0); }
const f = (v) => (v === null ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(2));
console.log(`  adapter ${d.adapter?.description}${d.adapter?.software ? " (software: NOT hardware figures)" : ""}; complete: ${d.complete}`);
for (const t of d.targets ?? []) console.log(`  target ${t.text}: ${t.met === null ? "not measured" : t.met ? "met" : "NOT met"} [${t.entries.map((e) => `${e.where} ${f(e.value)}`).join("; ")}]`);
// per RNN size and one lane: dispatches per step, bytes moved over the floor, FLOPs over the peak (by the kernel cost counts)
for (const z of d.sizes ?? []) for (const e of z.oneArm ?? []) console.log(`  n = ${z.n} ${e.arm}: ${f(e.stepsPerSecond)} steps/s, ${e.dispatchesPerStep} dispatches/step, bytes/floor ${f(e.bytesOverFloor ?? null)}, FLOP/peak ${f(e.flopFractionOfPeak ?? null)}`);
// the sparse route at k = n/8: gathered against the masked dense tile (the evidence for the threshold of chooseDenseRoute)
const ms = (r) => `${f(r?.wallMsPerStep ?? null)} ms/step (kernel ${f(r?.transportMs ?? null)} ms)`;
for (const z of d.sizes ?? []) if (z.sparseRoutes) console.log(`  n = ${z.n} k = ${z.sparseRoutes.k}: gathered ${ms(z.sparseRoutes.gather)}, masked dense ${ms(z.sparseRoutes.dense)}`);
for (const s of d.skippedForTime ?? []) console.log(`  skipped for time: ${s}`);
' "$out/bench-gpu.json" | tee -a "$summary"
[ $rc -eq 0 ] || status=1
log "done in $(elapsed) s; results in $out"
exit $status
