#!/usr/bin/env bash
# A replay of the state calls `./deploy-k0rdent.sh deploy -y` makes, in order, through the
# adapter. Written for this project from reading randybias/k0rdent-azure-setup at b7cc815 (the
# file:line comments say where each call comes from); none of its code is copied. Each of the
# deployer's scripts is one function here, run as a process of its own, as the deployer runs
# them: `bash deployer.sh SCRIPT`. Azure, WireGuard, k0s and helm are not run: where the real
# script would run them, this one records what they would have produced.
#
# Environment: ADAPTER (shell/state-management.sh), WITH_KOF, WITH_AZURE_CHILDREN (true|false),
# K0RDENT_CLUSTERID, REPLAY_VM_HOSTS (the VM names, space separated), REPLAY_LOG (a file every predicate's answer is
# appended to), and the deployer's configuration variables (AZURE_LOCATION, K0S_*_COUNT,
# WG_NETWORK, CONFIG_YAML).
set -Eeuo pipefail
# Say where a replay stopped (the test shows standard error when it fails).
trap 'echo "replay stopped: ${FUNCNAME[0]:-main} at line $LINENO: $BASH_COMMAND" >&2' ERR

SELF="${BASH_SOURCE[0]}"
read -r -a VM_HOSTS <<<"${REPLAY_VM_HOSTS:-k0s-controller-1 k0s-worker-1 k0s-worker-2}"
WITH_KOF="${WITH_KOF:-false}"
WITH_AZURE_CHILDREN="${WITH_AZURE_CHILDREN:-false}"

# etc/k0rdent-config.sh → etc/config-internal.sh:109-118: WG_IPS is declared, the state library
# sourced, and the peers read when the state file exists (before common-functions.sh).
declare -A WG_IPS=()
source "$ADAPTER"
if [[ -f ./state/deployment-state.yaml ]]; then populate_wg_ips_array; fi
# Every script sources the state library a second time (bin/*.sh:13); it must be a no-op.
source "$ADAPTER"

# etc/common-functions.sh:21-39 (the formats the deployer prints with).
print_header() { echo -e "\n=== $1 ==="; }
print_success() { echo -e "✓ $1"; }
print_warning() { echo -e "⚠ $1"; }
print_error() { echo -e "✗ $1"; }
print_info() { echo "==> $1"; }

# Every predicate's answer, for the test to check.
answer() { echo "$*" >>"${REPLAY_LOG:-/dev/null}"; }

run_child() { bash "$SELF" "$@"; }

# ---- deploy-k0rdent.sh ------------------------------------------------------------------------

# deploy-k0rdent.sh:160-204 (validators of completed phases, on a resume).
validate_prepare_phase() {
  state_file_exists || return 1
  [[ "$(get_state wg_keys_generated)" == "true" ]] || return 1
  local host
  for host in "${VM_HOSTS[@]}"; do [[ -f "cloud-init-yaml/${host}-cloud-init.yaml" ]] || return 1; done
}
validate_network_phase() {
  state_file_exists || return 1
  [[ "$(get_state azure_rg_status)" == "created" ]] || return 1
  [[ "$(get_state azure_network_status)" == "created" ]] || return 1
  [[ "$(get_state azure_ssh_key_status)" == "created" ]] || return 1
}
validate_vm_phase() {
  state_file_exists || return 1
  # deploy-k0rdent.sh:210 read `.vm_states | length` with yq; ported: get_state vm_states (a YAML map).
  local count
  count=$(get_state vm_states | grep -c '^[^ {]' || true)
  [[ "$count" -ge "${#VM_HOSTS[@]}" ]]
}
validate_vpn_setup_phase() { [[ "$(get_state wg_laptop_config_created)" == "true" ]]; }
validate_vpn_connection_phase() { [[ "$(get_state wg_vpn_connected)" == "true" ]]; }
validate_k0s_phase() { [[ "$(get_state k0s_cluster_deployed)" == "true" ]]; }
validate_k0rdent_phase() { [[ "$(get_state k0rdent_installed)" == "true" ]]; }
is_kof_deployment_enabled() { [[ "$WITH_KOF" == "true" ]]; }
is_azure_children_deployment_enabled() { [[ "$WITH_AZURE_CHILDREN" == "true" ]]; }

# deploy-k0rdent.sh:286-305.
handle_completed_phase() {
  local phase="$1" validator="$2"
  if [[ -z "$validator" ]]; then
    print_info "$phase already completed. Skipping."
    return 0
  fi
  if "$validator"; then
    answer "validator $phase: ok"
    return 0
  fi
  answer "validator $phase: failed"
  phase_reset_from "$phase"
  return 1
}

# deploy-k0rdent.sh:310-361.
should_run_phase() {
  local phase="$1" validator="${2:-}" checker="${3:-}" status
  if [[ -n "$checker" ]] && ! "$checker"; then
    status=$(phase_status "$phase")
    answer "phase_status $phase (disabled): $status"
    if [[ "$status" == "completed" ]]; then
      phase_mark_skipped "$phase" "Component no longer enabled"
    elif [[ "$status" != "skipped" ]]; then
      phase_mark_skipped "$phase" "Component not enabled"
    fi
    return 1
  fi
  if ! state_file_exists; then return 0; fi
  if phase_is_skipped "$phase"; then
    answer "phase_is_skipped $phase: yes"
    phase_mark_pending "$phase"
    return 0
  fi
  if phase_needs_run "$phase"; then
    answer "phase_needs_run $phase: yes"
    return 0
  fi
  answer "phase_needs_run $phase: no"
  if handle_completed_phase "$phase" "$validator"; then return 1; fi
  return 0
}

deploy() {
  local start_utc="${DEPLOYMENT_START_DATE_UTC:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}"
  # deploy-k0rdent.sh:442-455.
  if ! state_file_exists; then
    answer "state_file_exists: no"
    init_deployment_state "$K0RDENT_CLUSTERID"
  else
    answer "state_file_exists: yes"
  fi
  update_state "deployment_flags.azure_children" "$WITH_AZURE_CHILDREN"
  update_state "deployment_flags.kof" "$WITH_KOF"
  update_state "deployment_start_time" "$start_utc"
  add_event "deployment_started" "Deployment started with flags: azure-children=$WITH_AZURE_CHILDREN, kof=$WITH_KOF"
  record_deployment_history "$K0RDENT_CLUSTERID" "$CONFIG_YAML" "${DEPLOYER_IDENTITY:-}"

  # deploy-k0rdent.sh:458-534: the base phases, each run by its script, then marked again.
  local step
  for step in prepare_deployment:prepare:validate_prepare_phase setup_network:network:validate_network_phase \
    create_vms:vms:validate_vm_phase setup_vpn:vpn-setup:validate_vpn_setup_phase \
    connect_vpn:vpn-connect:validate_vpn_connection_phase install_k0s:k0s:validate_k0s_phase \
    install_k0rdent:k0rdent:validate_k0rdent_phase; do
    IFS=: read -r phase script validator <<<"$step"
    if should_run_phase "$phase" "$validator"; then
      run_child "$script"
      phase_mark_completed "$phase"
    fi
  done

  # deploy-k0rdent.sh:540-586: the optional phases.
  if should_run_phase "setup_azure_children" "" is_azure_children_deployment_enabled; then
    run_child azure-children
    phase_mark_completed "setup_azure_children"
  else
    answer "step 8 status: $(phase_status setup_azure_children)"
  fi
  for step in install_azure_csi:csi install_kof_mothership:kof-mothership install_kof_regional:kof-regional; do
    IFS=: read -r phase script <<<"$step"
    if should_run_phase "$phase" "" is_kof_deployment_enabled; then
      run_child "$script"
      phase_mark_completed "$phase"
    else
      answer "$phase status: $(phase_status "$phase")"
    fi
  done

  # deploy-k0rdent.sh:593-619.
  update_state "deployment_end_time" "${DEPLOYMENT_END_DATE:-$(date "+%Y-%m-%d %H:%M:%S %Z")}"
  update_state "deployment_duration_seconds" "${DEPLOYMENT_DURATION:-1843}"
  add_event "deployment_completed" "k0rdent deployment completed successfully in ${DEPLOYMENT_DURATION:-1843} seconds"
}

# ---- bin/prepare-deployment.sh ------------------------------------------------------------------
prepare() {
  state_file_exists || init_deployment_state "$K0RDENT_CLUSTERID" # :308-310
  if phase_is_completed prepare_deployment; then return 0; fi     # :314
  phase_mark_in_progress prepare_deployment                         # :324
  assign_wireguard_ips "${VM_HOSTS[@]}"                             # :136
  local host existing=false
  for host in "${!WG_IPS[@]}"; do                                   # :140-145
    if [[ "$(get_wireguard_private_key "$host")" != "null" ]]; then existing=true; fi
  done
  answer "prepare: keys existed: $existing"
  if [[ "$(get_state config.wireguard_port)" == "null" ]]; then     # :163-167
    update_state config.wireguard_port "51846"
  fi
  local n=0
  for host in "${!WG_IPS[@]}"; do                                   # :174-187
    n=$((n + 1))
    update_wireguard_peer "$host" "PRIVATE-KEY-OF-$host-0000000000000000000000=" "PUB-$host-$n"
  done
  update_state wg_keys_generated true                               # :340
  add_event wireguard_keys_generated "WireGuard keys generated successfully"
  [[ "$(get_wireguard_private_key mylaptop)" != "null" ]]           # :208
  local port
  port=$(get_state config.wireguard_port)                           # :215
  [[ "$port" != "null" ]]
  mkdir -p cloud-init-yaml wireguard
  local laptop_pub laptop_ip
  laptop_pub=$(get_wireguard_public_key mylaptop)                   # :238
  laptop_ip=$(get_wireguard_ip mylaptop)                            # :239
  for host in "${VM_HOSTS[@]}"; do                                  # :243-245
    printf 'PrivateKey = %s\nAddress = %s/32\nListenPort = %s\nPeer = %s %s/32\n' \
      "$(get_wireguard_private_key "$host")" "$(get_wireguard_ip "$host")" "$port" "$laptop_pub" "$laptop_ip" \
      >"cloud-init-yaml/${host}-cloud-init.yaml"
    get_wireguard_public_key "$host" >/dev/null
  done
  add_event cloud_init_generated "Cloud-init files generated successfully" # :350
  record_artifact cloud_init_directory ./cloud-init-yaml           # :352
  record_artifact wireguard_keys_directory ./wireguard             # :355
  phase_mark_completed prepare_deployment                          # :358
}

# ---- bin/setup-azure-network.sh -----------------------------------------------------------------
network() {
  [[ "$(get_state config.wireguard_port)" != "null" ]]              # :142
  if state_file_exists && phase_is_completed setup_network; then return 0; fi # :150
  phase_mark_in_progress setup_network                              # :160
  if [[ "$(get_state azure_rg_status)" != "created" ]]; then        # :163-181
    update_state azure_rg_status created
    add_event azure_rg_created "Resource group created: ${K0RDENT_CLUSTERID}-resgrp"
  fi
  if [[ "$(get_state azure_ssh_key_status)" != "created" ]]; then   # :202-213
    update_state azure_ssh_key_status created
    add_event azure_ssh_key_created "SSH key imported to Azure: ${K0RDENT_CLUSTERID}-admin"
  fi
  if [[ "$(get_state azure_network_status)" != "created" ]]; then   # :219-231
    update_state azure_network_status created
    add_event azure_network_created "Virtual network and subnet created: ${K0RDENT_CLUSTERID}-vnet"
  fi
  add_event azure_setup_completed "Azure network infrastructure deployment completed" # :292
  record_artifact azure_ssh_private_key "./azure-resources/${K0RDENT_CLUSTERID}-ssh-key"   # :295
  record_artifact azure_ssh_public_key "./azure-resources/${K0RDENT_CLUSTERID}-ssh-key.pub" # :298
  phase_mark_completed setup_network                                # :301
}

# ---- bin/create-azure-vms.sh --------------------------------------------------------------------
vms() {
  if state_file_exists && phase_is_completed create_vms; then return 0; fi # :609
  phase_mark_in_progress create_vms                                 # :619
  local host i=0
  for host in "${VM_HOSTS[@]}"; do                                  # :104-105 (launch_vm_async)
    update_vm_state "$host" "" "" "Creating"
    add_event vm_creation_started "Started creating VM: $host (PID: $((4000 + i)), attempt 0)"
    i=$((i + 1))
  done
  i=0
  for host in "${VM_HOSTS[@]}"; do                                  # :298 (polling loop)
    update_vm_state "$host" "20.0.0.$((10 + i))" "" "Succeeded"
    i=$((i + 1))
  done
  for host in "${VM_HOSTS[@]}"; do                                  # :386-389 (summary)
    [[ "$(get_vm_info "$host" state)" == "Succeeded" ]]
    get_vm_info "$host" public_ip >/dev/null
  done
  update_state phase vms_ready                                      # :401
  refresh_all_vm_data                                               # :417 (az vm list)
  local ip
  for host in "${VM_HOSTS[@]}"; do                                  # :420
    ip=$(get_vm_info "$host" public_ip)
    [[ -n "$ip" && "$ip" != "null" ]]
  done
  phase_mark_completed create_vms                                   # :662
}

# ---- bin/manage-vpn.sh setup / connect ----------------------------------------------------------
vpn-setup() {
  if state_file_exists && phase_is_completed setup_vpn; then return 0; fi # :206
  [[ "$(get_state wg_laptop_config_created)" == "true" ]] && answer "vpn setup: already set up" # :158
  phase_mark_in_progress setup_vpn                                  # :232
  [[ "$(get_wireguard_private_key mylaptop)" != "null" ]]           # :301
  local port count host
  port=$(get_state config.wireguard_port)                           # :308
  count=$(get_state vm_states | grep -c '^[^ {]' || true)           # :337 (`| yq '. | length'`)
  if ! state_file_exists || [[ "$count" -eq 0 ]]; then refresh_all_vm_data; fi
  for host in "${VM_HOSTS[@]}"; do get_vm_info "$host" public_ip >/dev/null; done # :344
  get_wireguard_private_key mylaptop >/dev/null                     # :359
  for host in "${VM_HOSTS[@]}"; do get_wireguard_public_key "$host" >/dev/null; done # :387
  update_state wg_laptop_config_created true                        # :413
  add_event vpn_config_generated "WireGuard laptop configuration generated" # :414
  update_state wg_setup_method cli                                  # :172
  update_state wg_laptop_config_created true                        # :173
  record_artifact wireguard_laptop_config "./wireguard/wgk0${K0RDENT_CLUSTERID#k0rdent-}.conf" # :276
  phase_mark_completed setup_vpn                                    # :278
  : "$port"
}

vpn-connect() {
  if state_file_exists && phase_is_completed connect_vpn; then return 0; fi # :694
  [[ "$(get_state wg_laptop_config_created)" == "true" ]]           # :704
  [[ "$(get_state wg_setup_method)" == "cli" ]]                     # :712
  phase_mark_in_progress connect_vpn                                # :722
  update_state wg_vpn_connected true                                # :527
  add_event vpn_connected "WireGuard VPN connected successfully"    # :528
  phase_mark_completed connect_vpn                                  # :728
}

# ---- bin/install-k0s.sh -------------------------------------------------------------------------
k0s() {
  if state_file_exists && phase_is_completed install_k0s; then return 0; fi # :234
  phase_mark_in_progress install_k0s                                # :243
  [[ "$(get_wireguard_private_key mylaptop)" != "null" ]]           # :92
  update_state phase k0s_config_generation                          # :126
  update_state k0s_config_generated true                            # :204
  add_event k0s_config_generated "k0sctl configuration file generated successfully"
  record_artifact k0sctl_config "./k0sctl-config/${K0RDENT_CLUSTERID}-k0sctl.yaml" # :206
  update_state phase k0s_deployment                                 # :283
  add_event k0s_deployment_started "Starting k0s cluster deployment"
  update_state k0s_cluster_deployed true                            # :291
  update_state phase k0s_deployed                                   # :292
  add_event k0s_deployment_completed "k0s cluster deployment successful"
  add_event kubeconfig_retrieved "Kubeconfig successfully retrieved and saved" # :317
  record_artifact kubeconfig_file "./k0sctl-config/${K0RDENT_CLUSTERID}-kubeconfig" # :318
  bash "$SELF" validate-pod-network                                 # validate-pod-network.sh
  add_event network_validation_passed "Pod-to-pod network connectivity validated successfully" # :353
  phase_mark_completed install_k0s                                  # :366
}
validate-pod-network() { :; } # only its source-time populate_wg_ips_array

# ---- bin/install-k0rdent.sh ---------------------------------------------------------------------
k0rdent() {
  if state_file_exists && phase_is_completed install_k0rdent; then return 0; fi # :111
  phase_mark_in_progress install_k0rdent                            # :120
  update_state phase k0rdent_installation                           # :125
  add_event k0rdent_installation_started "Starting k0rdent installation process"
  local controller
  controller=$(get_wireguard_ip "${VM_HOSTS[0]}")                   # :139
  [[ -n "$controller" && "$controller" != "null" ]]
  update_state k0rdent_installed true                               # :179
  update_state phase k0rdent_deployed                               # :180
  add_event k0rdent_installation_completed "k0rdent successfully installed via Helm"
  update_state k0rdent_ready true                                   # :195
  update_state k0rdent_ready_partial false                          # :196
  add_event k0rdent_ready "All k0rdent components verified running and ready"
  phase_mark_completed install_k0rdent                              # :206
  complete_deployment "k0rdent_deployed"                            # :209
}

# ---- the optional phases (KOF, Azure child clusters) --------------------------------------------
azure-children() {
  if state_file_exists && phase_is_completed setup_azure_children; then return 0; fi # setup-azure-cluster-deployment.sh:155
  phase_mark_in_progress setup_azure_children                       # :163
  [[ "$(get_state k0rdent_installed)" == "true" ]]                  # :48
  update_azure_state azure_credentials_configured true              # :409-412
  update_azure_state azure_subscription_id 11111111-1111-1111-1111-111111111111
  update_azure_state azure_tenant_id 22222222-2222-2222-2222-222222222222
  update_azure_state azure_client_id 33333333-3333-3333-3333-333333333333
  add_azure_event azure_credentials_configured "Azure credentials configured for cluster deployment" # :413
  phase_mark_completed setup_azure_children                         # :416
}

csi() {
  if state_file_exists && phase_is_completed install_azure_csi; then return 0; fi # install-k0s-azure-csi.sh:724
  phase_mark_in_progress install_azure_csi                          # :732
  update_state azure_csi_installed true                             # :782
  add_event azure_csi_installed "Azure Disk CSI Driver installed successfully"
  phase_mark_completed install_azure_csi                            # :786
}

kof-mothership() {
  [[ "$(get_state k0rdent_installed)" == "true" ]]                  # install-kof-mothership.sh:41
  if state_file_exists && phase_is_completed install_kof_mothership; then return 0; fi # :88
  phase_mark_in_progress install_kof_mothership                     # :96
  update_state phase kof_mothership_deployment                      # :108
  add_event kof_mothership_deployment_started "Starting KOF mothership deployment v1.1.0"
  add_event kof_istio_installed "Istio installed successfully for KOF" # :128
  add_event kof_operators_installed "KOF operators v1.1.0 installed" # :140
  add_event kof_mothership_installed "KOF mothership v1.1.0 installed" # :203
  update_state kof_mothership_installed true                        # :222-224
  update_state kof_mothership_version 1.1.0
  update_state kof_mothership_namespace kof
  add_event kof_mothership_deployment_completed "KOF mothership deployment completed successfully"
  phase_mark_completed install_kof_mothership                       # :229
}

kof-regional() {
  [[ "$(get_state k0rdent_installed)" == "true" ]]                  # install-kof-regional.sh:42
  [[ "$(get_state kof_mothership_installed)" == "true" ]]           # :49
  if state_file_exists && phase_is_completed install_kof_regional; then return 0; fi # :160
  phase_mark_in_progress install_kof_regional                       # :168
  update_state phase kof_regional_deployment                        # :206
  add_event kof_regional_deployment_started "Starting KOF regional cluster deployment v1.1.0"
  [[ "$(get_azure_state azure_credentials_configured)" == "true" ]] # :211
  bash "$SELF" create-azure-child kof-regional-abc-westus2          # :106 (deploy_cluster_with_retry)
  add_cluster_event kof-regional-abc-westus2 kof_regional_cluster_ready "KOF regional cluster deployment completed successfully" # :230
  add_cluster_event kof-regional-abc-westus2 kof_regional_configured "Domain: regional.example.com, Admin: admin@example.com"
  update_state kof_regional_installed true                          # :234-237
  update_state kof_regional_version 1.1.0
  update_state kof_regional_cluster_name kof-regional-abc-westus2
  update_state kof_regional_domain regional.example.com
  add_event kof_regional_deployment_completed "KOF regional cluster 'kof-regional-abc-westus2' deployed successfully" # :238
  phase_mark_completed install_kof_regional                         # :269
}

create-azure-child() {
  local name="$1"
  [[ "$(get_state k0rdent_installed)" == "true" ]]                  # create-azure-child.sh:247
  [[ "$(get_azure_state azure_credentials_configured)" == "true" ]] # :267
  local subscription
  subscription=$(get_azure_state azure_subscription_id)             # :293
  [[ -n "$subscription" && "$subscription" != "null" ]]
  init_cluster_events "$name"                                       # :404
  add_cluster_event "$name" cluster_deployment_created "ClusterDeployment '$name' created for Azure cluster in westus2" # :405
  add_cluster_event "$name" cluster_config_recorded "Template: azure-standalone-cp, Credential: azure-cluster-identity-cred, DryRun: false" # :406
}

"$@"
