#!/usr/bin/env bash
# k0rdent-state adapter: the state functions of the deployer's etc/state-management.sh, with
# their names, arguments, output and return codes, over deployment-state.yaml v2.
#
#   source /path/to/k0rdent-state/shell/state-management.sh
#
# Every function is one request to the k0rdent-state library: its name and arguments, the
# shell's $PWD, $DEPLOYMENT_STATE_FILE, $DEPLOYMENT_EVENTS_FILE and $K0RDENT_STATE_NOW. What the
# function prints, and its return code, come back as records this file replays (text, a line
# through the deployer's print_info/print_success/print_warning/print_error/print_header when it
# has them, an entry of WG_IPS, a deprecation line printed once per shell). All behaviour and
# checks live in the library (src/adapter/), once, for this adapter and the CLI.
#
# Sourcing starts one co-process for this shell (`k0rdent-state __serve`, on a loopback port
# with a random token), which keeps the parsed state between calls and re-reads the file when it
# changed on disk; it exits with the shell. Scripts this shell runs that source this file too
# use the same co-process while it runs (its address is exported in _K0RDENT_STATE_SHARED), so a
# whole deploy starts one. When it cannot start, or stops, each call runs
# `k0rdent-state __adapter-call` instead, with the same results. Sourcing then brings a v1 state
# file to v2 (`migrate --auto`).
#
# Environment:
#   K0RDENT_STATE_BIN       the CLI to run (default: ../bin/k0rdent-state.js beside this file,
#                           else k0rdent-state on PATH)
#   K0RDENT_STATE_SERVER    0: no co-process, one process per call
#   DEPLOYMENT_STATE_FILE   the state file (default: ./state/deployment-state.yaml)
#   DEPLOYMENT_EVENTS_FILE  the events file (default: ./state/deployment-events.yaml)
#   TERRAFORM_DIR           Terraform working folder (default: ./terraform)
#   K0RDENT_STATE_NOW       pin the clock (RFC 3339), for tests
#
# Return codes are the old functions': 0 for success/yes, 1 for no/failure; the library's own
# codes pass through (2 usage, 3 unreadable, 4 newer format, 5 locked, 6 write failed, 70 bug).

if [[ -n "${_K0RDENT_STATE_ADAPTER_LOADED:-}" ]]; then
  return 0 2>/dev/null || exit 0
fi
_K0RDENT_STATE_ADAPTER_LOADED=1

# ---- The files, as etc/state-management.sh names them ---------------------------------------
STATE_DIR="${STATE_DIR:-./state}"
DEPLOYMENT_STATE_FILE="${DEPLOYMENT_STATE_FILE:-$STATE_DIR/deployment-state.yaml}"
DEPLOYMENT_EVENTS_FILE="${DEPLOYMENT_EVENTS_FILE:-$STATE_DIR/deployment-events.yaml}"
KOF_STATE_FILE="${KOF_STATE_FILE:-$STATE_DIR/kof-state.yaml}"
KOF_EVENTS_FILE="${KOF_EVENTS_FILE:-$STATE_DIR/kof-events.yaml}"
AZURE_STATE_FILE="${AZURE_STATE_FILE:-$STATE_DIR/azure-state.yaml}"
AZURE_EVENTS_FILE="${AZURE_EVENTS_FILE:-$STATE_DIR/azure-events.yaml}"

# ---- How to reach the library -----------------------------------------------------------------
if [[ -n "${K0RDENT_STATE_BIN:-}" ]]; then
  _K0RDENT_STATE_CMD=("$K0RDENT_STATE_BIN")
elif [[ -f "${BASH_SOURCE[0]%/*}/../bin/k0rdent-state.js" ]]; then
  _K0RDENT_STATE_CMD=(node "$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)/bin/k0rdent-state.js")
elif command -v k0rdent-state >/dev/null 2>&1; then
  _K0RDENT_STATE_CMD=(k0rdent-state)
else
  echo "k0rdent-state: not found; install it (see its README) or set K0RDENT_STATE_BIN" >&2
  return 127 2>/dev/null || exit 127
fi
_K0RDENT_STATE_PORT=
_K0RDENT_STATE_TOKEN=
_K0RDENT_STATE_SERVER_PID=
_K0RDENT_STATE_WARNED=

# Replays the records of one call (NUL-separated kind/text pairs, the last one `rc CODE`) and
# returns the call's code; 70 with _K0RDENT_STATE_INCOMPLETE=1 when the stream ended early.
_k0rdent_state_replay() {
  # WG_IPS may be declared but empty, which `set -u` calls unbound: relax it here only.
  local - kind text rc=
  set +u
  while IFS= read -r -d '' kind && IFS= read -r -d '' text; do
    case "$kind" in
      out) printf '%s' "$text" ;;
      err) printf '%s' "$text" >&2 ;;
      info | success | warning | error | header) _k0rdent_state_print "$kind" "$text" ;;
      wg_ip)
        [[ "${WG_IPS@a}" == *A* ]] || declare -gA WG_IPS=()
        WG_IPS["${text%%$'\x1f'*}"]="${text#*$'\x1f'}"
        ;;
      deprecated) _k0rdent_state_deprecated "${text%%$'\x1f'*}" "${text#*$'\x1f'}" ;;
      rc)
        rc=$text
        break
        ;;
    esac
  done
  if [[ -z "$rc" ]]; then
    _K0RDENT_STATE_INCOMPLETE=1
    return 70
  fi
  _K0RDENT_STATE_INCOMPLETE=
  return "$rc"
}

# The deployer's print helper when it has one (etc/common-functions.sh), else the same format.
_k0rdent_state_print() {
  if declare -F "print_$1" >/dev/null; then
    "print_$1" "$2"
    return 0
  fi
  case "$1" in
    info) printf '==> %s\n' "$2" ;;
    success) printf '✓ %s\n' "$2" ;;
    warning) printf '⚠ %s\n' "$2" ;;
    error) printf '✗ %s\n' "$2" ;;
    header) printf '\n=== %s ===\n' "$2" ;;
  esac
}

# One deprecation line per shell and function.
_k0rdent_state_deprecated() {
  case " $_K0RDENT_STATE_WARNED " in *" $1 "*) return 0 ;; esac
  _K0RDENT_STATE_WARNED="$_K0RDENT_STATE_WARNED $1"
  printf '%s\n' "$2" >&2
}

# Starts this shell's co-process and reads its address, or uses the one of the shell that started
# this script (a deployer script run by another: one co-process for the whole deploy); returns 1
# when there is none. The address is exported to the scripts this shell runs.
_k0rdent_state_start_server() {
  [[ "${K0RDENT_STATE_SERVER:-1}" != 0 ]] || return 1
  local proto= port= token= pid= rfd
  if [[ -n "${_K0RDENT_STATE_SHARED:-}" ]]; then
    IFS=' ' read -r proto port token pid <<<"$_K0RDENT_STATE_SHARED"
    if [[ "$proto" == "k0rdent-state/1" && -n "$port" && -n "$token" && -n "$pid" ]] &&
      kill -0 "$pid" 2>/dev/null; then
      _K0RDENT_STATE_PORT=$port
      _K0RDENT_STATE_TOKEN=$token
      _K0RDENT_STATE_SERVER_PID=$pid
      return 0
    fi
  fi
  { coproc _K0RDENT_STATE_CO { exec "${_K0RDENT_STATE_CMD[@]}" __serve 2>/dev/null; }; } 2>/dev/null || return 1
  rfd=${_K0RDENT_STATE_CO[0]:-}
  [[ -n "$rfd" ]] || return 1
  IFS=' ' read -r -t 20 proto port token <&"$rfd" || true
  # The read end is no longer needed; the write end stays open: the co-process's standard input,
  # which closes, and so stops it, when this shell exits.
  exec {rfd}<&-
  [[ "$proto" == "k0rdent-state/1" && -n "$port" && -n "$token" ]] || return 1
  _K0RDENT_STATE_PORT=$port
  _K0RDENT_STATE_TOKEN=$token
  _K0RDENT_STATE_SERVER_PID=${_K0RDENT_STATE_CO_PID:-}
  export _K0RDENT_STATE_SHARED="$proto $port $token $_K0RDENT_STATE_SERVER_PID"
}

# _k0rdent_state_call FUNCTION [ARGS...]: one request, through the co-process when it runs.
_k0rdent_state_call() {
  local fd rc
  # Only while this shell's co-process runs (never a port another program took after it stopped).
  if [[ -n "$_K0RDENT_STATE_PORT" ]] && kill -0 "$_K0RDENT_STATE_SERVER_PID" 2>/dev/null &&
    { exec {fd}<>"/dev/tcp/127.0.0.1/$_K0RDENT_STATE_PORT"; } 2>/dev/null; then
    printf '%s\0' "k0rdent-state/1" "$_K0RDENT_STATE_TOKEN" "$PWD" "${DEPLOYMENT_STATE_FILE:-}" \
      "${DEPLOYMENT_EVENTS_FILE:-}" "${K0RDENT_STATE_NOW:-}" "$#" "$@" >&"$fd"
    if _k0rdent_state_replay <&"$fd"; then rc=0; else rc=$?; fi
    exec {fd}>&-
    [[ -n "${_K0RDENT_STATE_INCOMPLETE:-}" ]] || return "$rc"
    # The co-process stopped during the call: from now on, one process per call (the call is
    # made again: a change it had already written is written once more, an event may repeat).
  fi
  _K0RDENT_STATE_PORT=
  if _k0rdent_state_replay < <("${_K0RDENT_STATE_CMD[@]}" __adapter-call "${DEPLOYMENT_STATE_FILE:-}" \
    "${DEPLOYMENT_EVENTS_FILE:-}" "${K0RDENT_STATE_NOW:-}" "$@"); then rc=0; else rc=$?; fi
  # Reap the call's process (bash 4.4+ gives a process substitution's pid in $!; an older bash
  # may hold a job of the script's own there, which must not be waited for).
  if ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4))); then
    wait "$!" 2>/dev/null || true
  fi
  if [[ -n "${_K0RDENT_STATE_INCOMPLETE:-}" ]]; then
    echo "k0rdent-state: $1: no answer from ${_K0RDENT_STATE_CMD[*]}" >&2
  fi
  return "$rc"
}

# _k0rdent_state_call_tf FUNCTION [ARGS...]: a call that may read Terraform, with where and how.
_k0rdent_state_call_tf() {
  local name=$1
  shift
  _k0rdent_state_call "$name" "terraform_dir=${TERRAFORM_DIR:-./terraform}" \
    "terraform_bin=${K0RDENT_STATE_TERRAFORM_BIN:-terraform}" "no_terraform=${K0RDENT_STATE_NO_TERRAFORM:-}" "$@"
}

# ---- The functions of etc/state-management.sh ------------------------------------------------

# init_deployment_state ID: a new v2 state file and events file. The template's values come
# from the deployer's configuration variables, as the old function read them.
init_deployment_state() {
  if declare -F get_deployer_identity >/dev/null; then get_deployer_identity || true; fi
  _k0rdent_state_call init_deployment_state \
    "deployer=${DEPLOYER_IDENTITY:-unknown}" "config_yaml=${CONFIG_YAML:-}" \
    "azure_location=${AZURE_LOCATION:-}" "controller_count=${K0S_CONTROLLER_COUNT:-}" \
    "worker_count=${K0S_WORKER_COUNT:-}" "wireguard_network=${WG_NETWORK:-}" \
    "terraform_dir=${TERRAFORM_DIR:-./terraform}" "$@"
}

# Defines functions that pass their arguments as they are, one request each: the same one line
# for each would be written out again and again.
_k0rdent_state_passthrough() {
  local name
  for name in "$@"; do
    eval "${name}() { _k0rdent_state_call ${name} \"\$@\"; }"
  done
}

# The deployer's functions. `get_wireguard_private_key HOST` is the one deliberate secret read: the
# key goes to standard output, for cloud-init and wg configs. `populate_wg_ips_array` fills the
# caller's `declare -A WG_IPS`.
_k0rdent_state_passthrough \
  archive_existing_state phase_status phase_is_completed phase_is_skipped phase_mark_skipped \
  phase_mark_in_progress phase_mark_completed phase_mark_pending phase_reset_from phase_needs_run \
  check_phase_completion record_artifact artifact_exists update_state get_state update_vm_state \
  get_vm_info add_event state_file_exists show_state_summary complete_deployment \
  cleanup_deployment_state get_wireguard_ip update_wireguard_peer populate_wg_ips_array \
  get_wireguard_private_key get_wireguard_public_key show_deployment_history

# refresh_all_vm_data: VM facts from Terraform when its folder is initialised, else from Azure
# (`az vm list`, as the old function did).
refresh_all_vm_data() {
  local vm_data= rg
  if [[ -n "${K0RDENT_STATE_NO_TERRAFORM:-}" || ! -d "${TERRAFORM_DIR:-./terraform}/.terraform" ]] &&
    command -v az >/dev/null 2>&1; then
    rg=$(get_state "config.resource_group") || rg=
    vm_data=$(az vm list --resource-group "$rg" --show-details \
      --query "[].{name:name, publicIps:publicIps, privateIps:privateIps, state:provisioningState}" \
      -o tsv 2>/dev/null) || vm_data=
  fi
  _k0rdent_state_call_tf refresh_all_vm_data "$vm_data"
}

assign_wireguard_ips() { _k0rdent_state_call assign_wireguard_ips "wireguard_network=${WG_NETWORK:-}" "$@"; }
update_azure_state() { _k0rdent_state_call update_azure_state "${AZURE_STATE_FILE:-}" "$@"; }
get_azure_state() { _k0rdent_state_call get_azure_state "${AZURE_STATE_FILE:-}" "$@"; }
add_azure_event() { _k0rdent_state_call add_azure_event "${AZURE_STATE_FILE:-}" "${AZURE_EVENTS_FILE:-}" "$@"; }
remove_azure_state_key() { _k0rdent_state_call remove_azure_state_key "${AZURE_STATE_FILE:-}" "$@"; }
get_cluster_state_file() { _k0rdent_state_call get_cluster_state_file "${STATE_DIR:-}" "$@"; }
get_cluster_events_file() { _k0rdent_state_call get_cluster_events_file "${STATE_DIR:-}" "$@"; }
init_cluster_events() { _k0rdent_state_call init_cluster_events "${STATE_DIR:-}" "$@"; }
add_cluster_event() { _k0rdent_state_call add_cluster_event "${STATE_DIR:-}" "$@"; }
record_deployment_history() {
  _k0rdent_state_call record_deployment_history "config_yaml=${CONFIG_YAML:-unknown}" \
    "deployer=${DEPLOYER_IDENTITY:-unknown}" "$@"
}

# ---- The change proposal's functions ----------------------------------------------------------

_k0rdent_state_passthrough \
  update_runtime_state update_infra_cache start_deployment_run complete_deployment_run \
  get_current_run_id get_run_info phase_is_applicable get_cached_infra cache_invalidate \
  get_vm_runtime_status mark_vm_ssh_verified mark_vm_cloud_init_complete show_run_details \
  compare_runs cleanup_old_runs

# Terraform: the library runs `terraform output -json` itself (exit status and errors checked,
# the local state file as the fallback), in TERRAFORM_DIR; K0RDENT_STATE_NO_TERRAFORM=1: never.
sync_terraform_to_state() { _k0rdent_state_call_tf sync_terraform_to_state "$@"; }
cache_terraform_outputs() { sync_terraform_to_state "$@"; }
get_terraform_output() { _k0rdent_state_call_tf get_terraform_output "$@"; }

# ---- Start ------------------------------------------------------------------------------------

# The phase sequence, from the library's one list (scripts iterate over it).
_k0rdent_state_start_server || true
mapfile -t PHASE_SEQUENCE < <(_k0rdent_state_call __phase_sequence)

# First use of the state in this shell: bring a v1 file to v2 (silent when there is nothing to do).
if ! _k0rdent_state_call __migrate_auto; then
  _k0rdent_state_rc=$?
  echo "k0rdent-state: could not bring ${DEPLOYMENT_STATE_FILE} to the current format (exit ${_k0rdent_state_rc})" >&2
  return "$_k0rdent_state_rc" 2>/dev/null || exit "$_k0rdent_state_rc"
fi
