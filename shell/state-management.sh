#!/usr/bin/env bash
# k0rdent-state adapter for the deployer's bash scripts: the state functions of
# etc/state-management.sh, each a thin call of the k0rdent-state CLI, for deployment-state.yaml v2.
#
#   source shell/state-management.sh      # runs `k0rdent-state migrate --auto` once
#
# Environment:
#   K0RDENT_STATE_BIN       the CLI to call (default: k0rdent-state on PATH)
#   DEPLOYMENT_STATE_FILE   the state file (default: state/deployment-state.yaml)
#   TERRAFORM_DIR           Terraform working folder for sync_terraform_to_state (default: terraform)
#
# Return codes follow the old functions: 0 for success/yes, 1 for no/failure; the CLI's own
# codes (2 usage, 3 unreadable, 4 newer format, 5 locked, 6 write failed) pass through.

if [[ -n "${_K0RDENT_STATE_ADAPTER_LOADED:-}" ]]; then
  return 0 2>/dev/null || exit 0
fi
_K0RDENT_STATE_ADAPTER_LOADED=1

_k0rdent_state() {
  local bin="${K0RDENT_STATE_BIN:-}"
  if [[ -z "$bin" ]]; then
    bin="$(command -v k0rdent-state 2>/dev/null)" || {
      echo "k0rdent-state: not found; install it (npm install -g k0rdent-state) or set K0RDENT_STATE_BIN" >&2
      return 127
    }
  fi
  "$bin" "$@"
}

_k0rdent_state_file() {
  printf '%s' "${DEPLOYMENT_STATE_FILE:-state/deployment-state.yaml}"
}

# Runtime layer (update_runtime_state KEY VALUE): dotted v2 path or a v1 key name.
update_runtime_state() {
  _k0rdent_state runtime set "$1" "$2" --file "$(_k0rdent_state_file)"
}

# Infrastructure cache (update_infra_cache OUTPUT JSON), e.g. update_infra_cache vnet_name '"vnet-1"'.
update_infra_cache() {
  _k0rdent_state infra set "$1" "$2" --file "$(_k0rdent_state_file)"
}

# Deprecated: routes the key to its v2 layer and says so on stderr.
update_state() {
  _k0rdent_state update "$1" "$2" --file "$(_k0rdent_state_file)"
}

# start_deployment_run [--kof BOOL] [--azure-children BOOL] [--resume]: prints the run id.
start_deployment_run() {
  _k0rdent_state run start "$@" --file "$(_k0rdent_state_file)"
}

# complete_deployment_run OUTCOME [ERROR_PHASE] [ERROR_MESSAGE] [EXIT_CODE]
complete_deployment_run() {
  local args=(run complete --outcome "$1" --file "$(_k0rdent_state_file)")
  [[ -n "${2:-}" ]] && args+=(--error-phase "$2")
  [[ -n "${3:-}" ]] && args+=(--error-message "$3")
  [[ -n "${4:-}" ]] && args+=(--exit-code "$4")
  _k0rdent_state "${args[@]}"
}

# phase_is_applicable PHASE: returns 0 when the phase applies under deployment_flags.
phase_is_applicable() {
  _k0rdent_state phase applicable "$1" --file "$(_k0rdent_state_file)"
}

# phase_status PHASE: prints pending|in_progress|completed|skipped|not_applicable.
phase_status() {
  _k0rdent_state phase status "$1" --file "$(_k0rdent_state_file)"
}

phase_mark_in_progress() {
  _k0rdent_state phase set "$1" in_progress --file "$(_k0rdent_state_file)"
}

phase_mark_completed() {
  _k0rdent_state phase set "$1" completed --file "$(_k0rdent_state_file)"
}

# phase_mark_skipped PHASE [REASON]
phase_mark_skipped() {
  if [[ -n "${2:-}" ]]; then
    _k0rdent_state phase set "$1" skipped --reason "$2" --file "$(_k0rdent_state_file)"
  else
    _k0rdent_state phase set "$1" skipped --file "$(_k0rdent_state_file)"
  fi
}

# phase_needs_run PHASE: returns 0 when the phase applies and is not completed or skipped.
phase_needs_run() {
  _k0rdent_state phase needs-run "$1" --file "$(_k0rdent_state_file)"
}

# phase_reset_from PHASE: that phase and every later one back to pending.
phase_reset_from() {
  _k0rdent_state phase reset-from "$1" --file "$(_k0rdent_state_file)"
}

# get_state KEY: prints the value, or "null" when there is none (as `yq eval` did).
get_state() {
  _k0rdent_state get "$1" --default null --file "$(_k0rdent_state_file)"
}

# get_vm_info VM FIELD: infrastructure facts from the Terraform cache ("null" when unknown).
get_vm_info() {
  local value
  if value="$(_k0rdent_state vm info "$1" "$2" --file "$(_k0rdent_state_file)")"; then
    printf '%s\n' "$value"
  else
    echo "null"
  fi
}

# get_vm_runtime_status VM FIELD ("null" when unknown).
get_vm_runtime_status() {
  local value
  if value="$(_k0rdent_state vm runtime "$1" "$2" --file "$(_k0rdent_state_file)")"; then
    printf '%s\n' "$value"
  else
    echo "null"
  fi
}

# sync_terraform_to_state [TERRAFORM_DIR]: caches Terraform outputs in the state file. Uses
# `terraform output -json` when terraform is installed, else the local state file.
sync_terraform_to_state() {
  local dir="${1:-${TERRAFORM_DIR:-terraform}}"
  if command -v terraform >/dev/null 2>&1 && [[ -z "${K0RDENT_STATE_NO_TERRAFORM:-}" ]]; then
    terraform -chdir="$dir" output -json |
      _k0rdent_state infra sync --outputs=- --terraform-dir "$dir" --file "$(_k0rdent_state_file)"
  else
    _k0rdent_state infra sync --terraform-dir "$dir" --file "$(_k0rdent_state_file)"
  fi
}

show_deployment_history() {
  _k0rdent_state history "$@" --file "$(_k0rdent_state_file)"
}

show_run_details() {
  _k0rdent_state show-run "$1" --file "$(_k0rdent_state_file)"
}

compare_runs() {
  _k0rdent_state compare-runs "$1" "$2" --file "$(_k0rdent_state_file)"
}

# First use of the state in this shell: bring a v1 file to v2 (silent when nothing to do).
_k0rdent_state migrate --auto "$(_k0rdent_state_file)" || {
  _k0rdent_state_rc=$?
  echo "k0rdent-state: could not bring $(_k0rdent_state_file) to the current format (exit ${_k0rdent_state_rc})" >&2
  return "$_k0rdent_state_rc" 2>/dev/null || exit "$_k0rdent_state_rc"
}
