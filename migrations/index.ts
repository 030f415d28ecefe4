import { needsFold } from '../src/migrate/needs.js';
import type { MigrationChain, RepairChain } from '../src/migrate/types.js';
import { normalizeV1 } from './v1-to-v2/01-normalize-v1.js';
import { infraToTerraformCache } from './v1-to-v2/02-infra-to-terraform-cache.js';
import { groupRuntimeState } from './v1-to-v2/03-group-runtime-state.js';
import { pruneStaleKeys } from './v1-to-v2/04-prune-stale-keys.js';
import { wrapPhasesInSyntheticRun } from './v1-to-v2/05-wrap-phases-in-synthetic-run.js';
import { finalizeV2 } from './v1-to-v2/06-finalize-v2.js';
import { foldV1Keys } from './v2-repairs/01-fold-v1-keys.js';

/**
 * Every migration chain, oldest first. A chain's steps run in the order listed here; a test
 * checks that each step file is registered once, ids are unique and the stages chain without
 * gaps to the newest schema.
 */
export const CHAINS: readonly MigrationChain[] = [
  {
    id: 'v1-to-v2',
    from: 1,
    to: 2,
    steps: [
      normalizeV1,
      infraToTerraformCache,
      groupRuntimeState,
      pruneStaleKeys,
      wrapPhasesInSyntheticRun,
      finalizeV2,
    ],
  },
];

/**
 * Repairs of files already at the newest version, run (in this order) when they are needed: by
 * `migrate`, by `migrate --auto`, and before any write. A test checks each is registered once.
 */
export const REPAIRS: readonly RepairChain[] = [
  { id: 'v2-fold-v1-keys', from: 2, to: 2, steps: [foldV1Keys], needed: needsFold },
];
