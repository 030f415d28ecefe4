/**
 * The WireGuard functions: IP assignment, peer keys, the WG_IPS array. Peers live at
 * wireguard_config.peers in v2. `get_wireguard_private_key` is the one deliberate secret read: the
 * deployer writes the key into cloud-init and wg configs, so it goes to standard output (and
 * nowhere else: never into a message, a report or a log).
 */
import { ExitCode } from '../errors.js';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { PEERS_PATH } from '../keymap.js';
import { formatUtc } from '../migrate/times.js';
import { RefusedError } from '../runtime/transaction.js';
import { type AdapterFunction, Answer, type FunctionContext } from './call.js';
import { namedArgs } from './helpers.js';
import { eventOf, readView, stateExists, updateView, updateWithEvents } from './state-io.js';

type Peers = Record<string, Record<string, unknown>>;

function peersOf(state: DeploymentStateV2): Peers {
  const peers = state.wireguard_config?.peers;
  return peers && typeof peers === 'object' ? (peers as unknown as Peers) : {};
}

function peerField(state: DeploymentStateV2, host: string, field: string): unknown {
  const peers = peersOf(state);
  const peer = Object.hasOwn(peers, host) ? peers[host] : undefined;
  return peer && typeof peer === 'object' && Object.hasOwn(peer, field) ? peer[field] : undefined;
}

function text(value: unknown): string {
  return value === undefined || value === null ? 'null' : String(value);
}

/** The WG_IPS entries of a state: every peer that has an IP. */
function wgIps(ctx: FunctionContext, state: DeploymentStateV2): void {
  for (const [host, peer] of Object.entries(peersOf(state))) {
    const ip = peer && typeof peer === 'object' ? peer.ip : undefined;
    if (ip !== undefined && ip !== null && ip !== '' && ip !== 'null') ctx.out.wgIp(host, String(ip));
  }
}

/**
 * assign_wireguard_ips HOST...: the laptop (`mylaptop`, hub) at .1 of the WireGuard network and
 * the hosts from .11 on (controller or worker by name), replacing the peers as the deployer did
 * (it generates every key again right after); then WG_IPS is filled and an event logged.
 */
export const assignWireguardIps: AdapterFunction = async (ctx, args) => {
  const { named, rest: hosts } = namedArgs(args, ['wireguard_network']);
  if (!stateExists(ctx)) {
    ctx.out.err(
      `k0rdent-state: assign_wireguard_ips: ${ctx.stateName}: no state file; run init_deployment_state first\n`,
    );
    return Answer.no;
  }
  const { value: state } = await updateWithEvents(
    ctx,
    'assign_wireguard_ips',
    (view) => {
      const network = view.state.config?.wireguard_network || named.wireguard_network || '';
      if (network === '') {
        throw new RefusedError(
          'no-wireguard-network',
          'refused: assign_wireguard_ips needs the WireGuard network: config.wireguard_network is not set and WG_NETWORK is empty; set WG_NETWORK (e.g. 172.24.24.0/24)',
        );
      }
      const base = String(network).replace(/\.[^.]*$/, '');
      const peers: Peers = { mylaptop: { ip: `${base}.1`, role: 'hub' } };
      hosts.forEach((host, index) => {
        peers[host] = {
          ip: `${base}.${11 + index}`,
          role: host.includes('controller') ? 'controller' : 'worker',
        };
      });
      const node = view.doc.createNode(peers);
      for (const pair of node.items) (pair.value as { flow?: boolean }).flow = true;
      view.doc.setIn([...PEERS_PATH], node);
      return {
        ...view.state,
        wireguard_config: { ...view.state.wireguard_config, peers },
      } as DeploymentStateV2;
    },
    [eventOf(ctx, 'wireguard_ips_assigned', 'WireGuard IP addresses assigned to all hosts')],
  );
  wgIps(ctx, state);
  return ExitCode.ok;
};

/** get_wireguard_ip HOST: the peer's IP, `null` when unknown; 1 without a state file. */
export const getWireguardIp: AdapterFunction = async (ctx, args) => {
  if (!stateExists(ctx)) return Answer.no;
  const { state } = await readView(ctx, 'get_wireguard_ip');
  ctx.out.out(`${text(peerField(state, args[0] ?? '', 'ip'))}\n`);
  return ExitCode.ok;
};

/** update_wireguard_peer HOST PRIVATE_KEY PUBLIC_KEY: the peer's keys (the peer must exist). */
export const updateWireguardPeer: AdapterFunction = async (ctx, args) => {
  const [host = '', privateKey = '', publicKey = ''] = args;
  const missing = () => {
    ctx.out.print('error', `WireGuard peer ${host} not found in state. Run assign_wireguard_ips first.`);
    return Answer.no;
  };
  if (!stateExists(ctx)) return missing();
  const { value: found } = await updateView(
    ctx,
    'update_wireguard_peer',
    (view) => {
      if (!Object.hasOwn(peersOf(view.state), host)) return false;
      const path = [...PEERS_PATH, host];
      view.doc.setIn([...path, 'private_key'], privateKey);
      view.doc.setIn([...path, 'public_key'], publicKey);
      view.doc.setIn([...path, 'keys_generated'], true);
      view.doc.setIn([...path, 'keys_generated_at'], formatUtc(ctx.now));
      return true;
    },
    { dataOnly: true },
  );
  return found ? ExitCode.ok : missing();
};

/** populate_wg_ips_array: WG_IPS[host]=ip for every peer with an IP (1 without a state file). */
export const populateWgIpsArray: AdapterFunction = async (ctx) => {
  if (!stateExists(ctx)) return Answer.no;
  const { state } = await readView(ctx, 'populate_wg_ips_array');
  wgIps(ctx, state);
  return ExitCode.ok;
};

/** A peer's key on standard output, `null` when there is none (or no state file). */
function keyReader(field: 'private_key' | 'public_key'): AdapterFunction {
  return async (ctx, args) => {
    if (!stateExists(ctx)) {
      ctx.out.out('null\n');
      return ExitCode.ok;
    }
    const { state } = await readView(ctx, `get_wireguard_${field}`);
    ctx.out.out(`${text(peerField(state, args[0] ?? '', field))}\n`);
    return ExitCode.ok;
  };
}

/** get_wireguard_private_key HOST: the deliberate secret read (standard output only). */
export const getWireguardPrivateKey = keyReader('private_key');
/** get_wireguard_public_key HOST. */
export const getWireguardPublicKey = keyReader('public_key');
