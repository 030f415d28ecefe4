import type { Document } from 'yaml';
import {
  INFRA_KEY_MAP,
  OUTPUTS_PATH as OUTPUTS,
  VM_DETAILS,
  VM_FIELD_MAP,
  VM_STATES_KEY,
} from '../../src/keymap.js';
import { ChangeLog } from '../../src/migrate/changes.js';
import { keysAt, valueAt } from '../../src/migrate/doc.js';
import { toUtc } from '../../src/migrate/times.js';
import type { MigrationStep } from '../../src/migrate/types.js';

/**
 * Step 2: moves the infrastructure facts (resource group, network and SSH key status, VM states)
 * into infrastructure_facts.outputs, marked as migrated and stale until Terraform confirms them.
 */
export const infraToTerraformCache: MigrationStep = {
  id: 'infra-to-terraform-cache',
  description:
    'Move azure_*_status and vm_states into the Terraform cache (infrastructure_facts.outputs), marked migrated_v1 and stale',
  from: '1.1',
  to: '1.2',
  apply(doc: Document) {
    const log = new ChangeLog(doc, this.id);
    const reason = 'Terraform owns infrastructure facts; kept as a stale cache until the next infra sync';
    const lastUpdated = valueAt(doc, ['last_updated']);

    log.set(['terraform_state_path'], null, 'not known until the first Terraform sync');
    log.set(['terraform_backend'], null, 'not known until the first Terraform sync');
    log.set(['terraform_version'], null, 'not known until the first Terraform sync');
    log.set(['last_terraform_sync'], null, 'Terraform was never synced into this file');
    log.set(
      ['infrastructure_facts', 'source'],
      'migrated_v1',
      'these facts come from the v1 file, not Terraform',
    );
    const cached = typeof lastUpdated === 'string' ? toUtc(lastUpdated) : undefined;
    if (cached === undefined && lastUpdated !== undefined && lastUpdated !== null) {
      log.carry(['last_updated'], 'not a time this tool can read: carried verbatim');
    }
    log.set(
      ['infrastructure_facts', 'cache_timestamp'],
      cached ?? null,
      cached === undefined
        ? 'the v1 file records no readable last_updated'
        : 'the v1 file was last written then',
      cached === undefined ? undefined : ['last_updated'],
    );
    log.set(['infrastructure_facts', 'terraform_state_checksum'], null, 'no Terraform state was read');
    log.set(['infrastructure_facts', 'stale'], true, 'not confirmed by Terraform yet: run infra sync');
    log.set([...OUTPUTS], {}, 'cache of Terraform outputs');

    const resourceGroup = valueAt(doc, ['config', 'resource_group']);
    if (valueAt(doc, ['azure_rg_status']) !== undefined || resourceGroup !== undefined) {
      if (typeof resourceGroup === 'string') {
        log.set(
          [...OUTPUTS, 'resource_group', 'name'],
          resourceGroup,
          'the resource group the status is about',
          ['config', 'resource_group'],
        );
      }
    }
    for (const [key, to] of Object.entries(INFRA_KEY_MAP)) log.move([key], [...OUTPUTS, ...to], reason);

    if (log.move([VM_STATES_KEY], [...OUTPUTS, VM_DETAILS], reason)) {
      for (const vm of keysAt(doc, [...OUTPUTS, VM_DETAILS])) {
        for (const [from, to] of Object.entries(VM_FIELD_MAP)) {
          log.move(
            [...OUTPUTS, VM_DETAILS, vm, from],
            [...OUTPUTS, VM_DETAILS, vm, to],
            'renamed after the Azure field it holds',
          );
        }
      }
    }
    return log.changes;
  },
};
