/**
 * A new deployment's state file, v2 from birth (init_deployment_state): what the deployer's v1
 * template recorded, at its v2 places, with the first run opened and only the applicable phases.
 * Terraform-aware when the deployment's Terraform folder is initialised (its backend and state
 * location recorded, the cache empty until the first sync); otherwise the deployer's own facts
 * (resource group, network and SSH key not created yet) start the cache, and the Terraform
 * references are null.
 */
import { Document, isMap, type YAMLMap } from 'yaml';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { YAML_OUTPUT_OPTIONS } from '../migrate/engine.js';
import { formatUtc } from '../migrate/times.js';
import { applicablePhases } from '../phases.js';
import { describeTerraformDir } from '../terraform/backend.js';
import { LATEST_VERSION, TOOL_VERSION } from '../version.js';
import { newRun, newRunId } from './runs.js';

/** What init_deployment_state knows: the id, and the deployer's configuration variables. */
export interface InitOptions {
  deploymentId: string;
  /** DEPLOYER_IDENTITY, or `unknown`. */
  deployer: string;
  /** CONFIG_YAML. */
  sourceConfigFile: string;
  /** AZURE_LOCATION. */
  azureLocation: string;
  /** K0S_CONTROLLER_COUNT, K0S_WORKER_COUNT (text, as the shell has them). */
  controllerCount: string;
  workerCount: string;
  /** WG_NETWORK. */
  wireguardNetwork: string;
  /** The deployment's Terraform folder (absolute). */
  terraformDir: string;
  now: Date;
  /** Random part of the first run's id (tests). */
  runSuffix?: string;
}

const COUNT = /^\d+$/;

function count(text: string): number | null {
  return COUNT.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

/** Texts of a new state file and a new events file. */
export async function initialState(options: InitOptions): Promise<{ state: string; events: string }> {
  const now = formatUtc(options.now);
  const id = options.deploymentId;
  const config: Record<string, unknown> = {
    azure_location: options.azureLocation,
    resource_group: `${id}-resgrp`,
  };
  const carried: Record<string, string> = {};
  for (const [key, text] of [
    ['controller_count', options.controllerCount],
    ['worker_count', options.workerCount],
  ] as const) {
    const value = count(text);
    if (value !== null) config[key] = value;
    else if (text !== '') carried[`config.${key}`] = text;
  }
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}$/.test(options.wireguardNetwork)) {
    config.wireguard_network = options.wireguardNetwork;
  } else if (options.wireguardNetwork !== '') {
    carried['config.wireguard_network'] = options.wireguardNetwork;
  }
  // Chosen later by the WireGuard step; the deployer generates one when it reads null.
  config.wireguard_port = null;

  const terraform = await describeTerraformDir(options.terraformDir, '/');
  const flags = { azure_children: false, kof: false };
  const runId = newRunId(options.now, options.runSuffix);
  const phases = Object.fromEntries(
    applicablePhases(flags).map((name) => [name, { status: 'pending', updated_at: now }]),
  );
  const state: Partial<DeploymentStateV2> & Record<string, unknown> = {
    schema_version: LATEST_VERSION,
    deployment_id: id,
    deployer: options.deployer,
    created_at: now,
    last_updated: now,
    source_config_file: options.sourceConfigFile,
    config,
    deployment_flags: flags,
    terraform_state_path: terraform?.statePath ?? null,
    terraform_backend: terraform?.backend ?? null,
    terraform_version: null,
    last_terraform_sync: null,
    infrastructure_facts: {
      source: terraform ? 'terraform' : 'deployer',
      cache_timestamp: null,
      terraform_state_checksum: null,
      stale: false,
      outputs: terraform
        ? {}
        : {
            resource_group: { name: `${id}-resgrp`, status: 'not_created' },
            network: { status: 'not_created' },
            ssh_key: { status: 'not_created' },
            vm_details: {},
          },
    },
    current_run_id: runId,
    deployment_runs: [
      newRun(runId, now, flags, config, 'preparation', {
        terraform_state_checksum: null,
        cache_timestamp: null,
        last_terraform_sync: null,
      }),
    ],
    phases: phases as DeploymentStateV2['phases'],
    wireguard_config: { keys_generated: false, laptop_config_created: false, vpn_connected: false },
    k0s_cluster_state: { config_generated: false, deployed: false },
    k0rdent_install_state: { installed: false },
    artifacts: {},
    ...(Object.keys(carried).length > 0 ? { unrecognized: carried } : {}),
  };
  const doc = new Document(state, { aliasDuplicateObjects: false });
  doc.commentBefore = ` k0rdent Deployment State (format v${LATEST_VERSION})\n Auto-generated on ${now} by k0rdent-state ${TOOL_VERSION}`;
  const root = doc.contents as YAMLMap;
  const comment = (key: string, text: string) => {
    const pair = root.items.find((item) => String((item.key as { value?: unknown }).value) === key);
    if (pair?.key && typeof pair.key === 'object')
      (pair.key as { commentBefore?: string }).commentBefore = text;
  };
  comment('terraform_state_path', ' Infrastructure layer: Terraform outputs, cached here for offline use');
  comment('current_run_id', ' Runtime layer: deployment runs and the state of each component');
  for (const key of ['phases', 'deployment_flags']) {
    const node = doc.getIn([key], true);
    if (isMap(node) && key === 'phases') {
      for (const pair of node.items) if (isMap(pair.value)) pair.value.flow = true;
    }
  }
  const flowAt = (path: (string | number)[]) => {
    const node = doc.getIn(path, true);
    if (isMap(node)) node.flow = true;
  };
  flowAt(['deployment_runs', 0, 'flags']);
  flowAt(['deployment_runs', 0, 'phases']);
  const events = new Document(
    {
      deployment_id: id,
      created_at: now,
      last_updated: now,
      events: [
        {
          timestamp: now,
          action: 'deployment_initialized',
          message: 'Deployment state tracking initialized',
        },
      ],
    },
    { aliasDuplicateObjects: false },
  );
  events.commentBefore = ` k0rdent Deployment Events Log\n Auto-generated on ${now}`;
  return { state: doc.toString(YAML_OUTPUT_OPTIONS), events: events.toString(YAML_OUTPUT_OPTIONS) };
}
