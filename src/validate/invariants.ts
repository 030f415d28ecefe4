import { isPhaseApplicable, isPhaseName, PHASE_FLAG, PHASES } from '../phases.js';
import { isIPv4, parseCidr } from './ipv4.js';
import { toPointer } from './pointer.js';
import type { UnplacedProblem } from './problem.js';
import { v1FindingProblems } from './v1-values.js';

type Data = Record<string, unknown>;

const isObject = (value: unknown): value is Data =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Checks the v2 invariants that JSON Schema cannot express. Errors: current_run_id names an
 * existing run, run ids are unique, at most one run is in progress, live phases are known and
 * applicable. Warnings: a run ending before it started; WireGuard peer IPs that are not IPv4,
 * are duplicated, or lie outside config.wireguard_network.
 */
export function v2Invariants(data: Data): UnplacedProblem[] {
  const problems: UnplacedProblem[] = [];
  const runs = Array.isArray(data.deployment_runs) ? data.deployment_runs : [];
  const ids = new Map<string, number>();
  let inProgress: number | undefined;
  runs.forEach((run, index) => {
    if (!isObject(run)) return;
    if (typeof run.run_id === 'string') {
      const first = ids.get(run.run_id);
      if (first !== undefined) {
        problems.push({
          severity: 'error',
          code: 'duplicate-run-id',
          pointer: toPointer(['deployment_runs', index, 'run_id']),
          message: `run id "${run.run_id}" is used by runs ${first} and ${index}; run ids must be unique: rename one`,
        });
      } else {
        ids.set(run.run_id, index);
      }
    }
    if (run.outcome === 'in_progress') {
      if (inProgress !== undefined) {
        problems.push({
          severity: 'error',
          code: 'multiple-in-progress-runs',
          pointer: toPointer(['deployment_runs', index, 'outcome']),
          message: `runs ${inProgress} and ${index} are both in_progress; at most one run may be: set the older one to interrupted`,
        });
      } else {
        inProgress = index;
      }
    }
    if (typeof run.started_at === 'string' && typeof run.ended_at === 'string') {
      const started = Date.parse(run.started_at);
      const ended = Date.parse(run.ended_at);
      if (ended < started) {
        problems.push({
          severity: 'warning',
          code: 'ended-before-started',
          pointer: toPointer(['deployment_runs', index, 'ended_at']),
          message: `run "${String(run.run_id)}" ended_at ${run.ended_at} is before its started_at ${run.started_at}`,
        });
      }
    }
    if (isObject(run.phases))
      problems.push(...unknownPhases(run.phases, ['deployment_runs', index, 'phases']));
  });

  const current = data.current_run_id;
  if (typeof current === 'string' && !ids.has(current)) {
    problems.push({
      severity: 'error',
      code: 'current-run-missing',
      pointer: '/current_run_id',
      message: `current_run_id "${current}" names no run in deployment_runs; set it to an existing run_id or null`,
    });
  }

  if (isObject(data.phases)) {
    problems.push(...unknownPhases(data.phases, ['phases']));
    const flags = isObject(data.deployment_flags) ? data.deployment_flags : {};
    const effective = { azure_children: flags.azure_children === true, kof: flags.kof === true };
    for (const name of Object.keys(data.phases)) {
      if (isPhaseName(name) && !isPhaseApplicable(name, effective)) {
        const flag = PHASE_FLAG[name] ?? '';
        problems.push({
          severity: 'error',
          code: 'phase-not-applicable',
          pointer: toPointer(['phases', name]),
          atKey: true,
          message: `phase "${name}" does not apply because deployment_flags.${flag} is false; remove it from phases or set the flag to true`,
        });
      }
    }
  }

  problems.push(...networkProblems(data));
  const wireguard = isObject(data.wireguard_config) ? data.wireguard_config : undefined;
  if (wireguard && isObject(wireguard.peers)) {
    problems.push(...peerProblems(wireguard.peers, ['wireguard_config', 'peers'], networkOf(data)));
  }
  return problems;
}

/**
 * Data-quality warnings of v1 files: WireGuard peer IPs and network, and every value the
 * migration takes with a warning (see v1-values.ts).
 */
export function v1Warnings(data: Data): UnplacedProblem[] {
  return [
    ...v1FindingProblems(data),
    ...networkProblems(data),
    ...(isObject(data.wireguard_peers)
      ? peerProblems(data.wireguard_peers, ['wireguard_peers'], networkOf(data))
      : []),
  ];
}

function networkOf(data: Data): string | undefined {
  const config = isObject(data.config) ? data.config : {};
  return typeof config.wireguard_network === 'string' ? config.wireguard_network : undefined;
}

// A config.wireguard_network of the right form that is not a network (`172.24.24.0/33`,
// `300.1.1.1/24`): said, not skipped silently, since the peer IPs are then not checked against it.
function networkProblems(data: Data): UnplacedProblem[] {
  const network = networkOf(data);
  if (network === undefined || parseCidr(network) !== undefined) return [];
  if (!/^[0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}$/.test(network)) return [];
  return [
    {
      severity: 'warning',
      code: 'wireguard-network-invalid',
      pointer: '/config/wireguard_network',
      message: `config.wireguard_network ${JSON.stringify(network)} is not a valid IPv4 network (each part 0-255, a prefix of at most 32), so peer IPs are not checked against it; correct it, e.g. 172.24.24.0/24`,
    },
  ];
}

function unknownPhases(phases: Data, at: Array<string | number>): UnplacedProblem[] {
  return Object.keys(phases)
    .filter((name) => !isPhaseName(name))
    .map((name) => ({
      severity: 'error' as const,
      code: 'unknown-phase',
      pointer: toPointer([...at, name]),
      atKey: true,
      message: `unknown phase "${name}"; phases are: ${PHASES.join(', ')}`,
    }));
}

function peerProblems(peers: Data, at: string[], networkText: string | undefined): UnplacedProblem[] {
  const problems: UnplacedProblem[] = [];
  const network = networkText === undefined ? undefined : parseCidr(networkText);
  const seen = new Map<string, string>();
  const hosts = Object.keys(peers);
  for (let i = 0; i < hosts.length; i++) {
    const host = hosts[i] as string;
    const peer = peers[host];
    if (!isObject(peer) || typeof peer.ip !== 'string') continue;
    const ip = peer.ip.endsWith('/32') ? peer.ip.slice(0, -3) : peer.ip;
    if (!isIPv4(ip)) {
      problems.push({
        severity: 'warning',
        code: 'peer-ip-invalid',
        // The pointer is built only for a peer there is something to say about (most have nothing).
        pointer: toPointer([...at, host, 'ip']),
        message: `peer "${host}" ip ${JSON.stringify(peer.ip)} is not a valid IPv4 address (each part 0-255)`,
      });
      continue;
    }
    const other = seen.get(ip);
    if (other !== undefined) {
      problems.push({
        severity: 'warning',
        code: 'peer-ip-duplicate',
        pointer: toPointer([...at, host, 'ip']),
        message: `peer "${host}" ip "${ip}" is also used by peer "${other}"; each peer needs its own address`,
      });
    } else {
      seen.set(ip, host);
    }
    if (network && !network.check(ip, 'ipv4')) {
      problems.push({
        severity: 'warning',
        code: 'peer-ip-outside-network',
        pointer: toPointer([...at, host, 'ip']),
        message: `peer "${host}" ip "${ip}" is outside config.wireguard_network ${networkText}`,
      });
    }
  }
  return problems;
}
