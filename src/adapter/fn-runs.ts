/**
 * Deployment runs (the change proposal's functions): start_deployment_run,
 * complete_deployment_run, get_current_run_id, get_run_info, show_run_details, compare_runs,
 * cleanup_old_runs; and show_deployment_history, which prints the deployer's history index as it
 * always did, then the runs of the current state file.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Document, isSeq, parseDocument } from 'yaml';
import { ExitCode, StateError, UsageError } from '../errors.js';
import type { Run } from '../generated/deployment-state.v2.js';
import { YAML_OUTPUT_OPTIONS } from '../migrate/engine.js';
import { formatUtc } from '../migrate/times.js';
import { compareRuns } from '../runtime/compare-runs.js';
import { renderHistory } from '../runtime/history.js';
import { RunNotFoundError } from '../runtime/history-runs.js';
import { completeRun, currentRun, startRun } from '../runtime/runs.js';
import { renderRun } from '../runtime/show-run.js';
import { parseDuration } from '../runtime/values.js';
import { writeAtomic } from '../write/atomic.js';
import { type AdapterFunction, Answer, type FunctionContext } from './call.js';
import { namedArgs, printShown, secretRefusal, shown, valueAtPath, yqText } from './helpers.js';
import { eventOf, isFile, readView, stateExists, updateView, updateWithEvents } from './state-io.js';

function bool(name: string, value: string | undefined): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`${name} takes true or false, not ${JSON.stringify(value ?? '')}`);
}

/** start_deployment_run [--kof BOOL] [--azure-children BOOL] [--resume]: prints the new run's id. */
export const startDeploymentRun: AdapterFunction = async (ctx, args) => {
  let kof: boolean | undefined;
  let azureChildren: boolean | undefined;
  let resume = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (flag === '--kof') kof = bool('--kof', inline ?? args[++i]);
    else if (flag === '--azure-children') azureChildren = bool('--azure-children', inline ?? args[++i]);
    else if (flag === '--resume' && inline === undefined) resume = true;
    else {
      throw new UsageError(
        `start_deployment_run: unknown argument ${JSON.stringify(arg)}; it takes --kof BOOL, --azure-children BOOL and --resume`,
      );
    }
  }
  const { value } = await updateView(ctx, 'start_deployment_run', (view) =>
    startRun(view, { now: ctx.now, kof, azureChildren, resume }),
  );
  ctx.out.out(`${value}\n`);
  return ExitCode.ok;
};

/**
 * complete_deployment_run OUTCOME [ERROR_PHASE] [ERROR_MESSAGE] [EXIT_CODE]: ends the current run.
 * Every argument is taken as given (a message such as "-bash: kubectl: command not found" too).
 */
export const completeDeploymentRun: AdapterFunction = async (ctx, args) => {
  const [outcome = '', errorPhase, errorMessage, exitText] = args;
  if (outcome !== 'success' && outcome !== 'failed' && outcome !== 'interrupted') {
    throw new UsageError(
      `complete_deployment_run: outcome ${JSON.stringify(outcome)} is not one of success, failed, interrupted`,
    );
  }
  let exitCode: number | undefined;
  if (exitText !== undefined && exitText !== '') {
    if (!/^-?\d+$/.test(exitText) || !Number.isSafeInteger(Number(exitText))) {
      throw new UsageError(
        `complete_deployment_run: exit code ${JSON.stringify(exitText)} is not an integer`,
      );
    }
    exitCode = Number(exitText);
  }
  const event =
    outcome === 'failed'
      ? eventOf(
          ctx,
          'deployment_failed',
          `Deployment failed${errorPhase ? ` during phase: ${errorPhase}` : ''}${exitCode !== undefined ? ` (exit code: ${exitCode})` : ''}`,
          errorPhase || undefined,
        )
      : eventOf(
          ctx,
          outcome === 'success' ? 'deployment_run_completed' : 'deployment_run_interrupted',
          `Deployment run ${outcome}`,
        );
  await updateWithEvents(
    ctx,
    'complete_deployment_run',
    (view) =>
      completeRun(view, {
        now: ctx.now,
        outcome,
        errorPhase: errorPhase || undefined,
        errorMessage: errorMessage || undefined,
        exitCode,
      }),
    [event],
  );
  return ExitCode.ok;
};

/** get_current_run_id: the current run's id, `null` when there is none. */
export const getCurrentRunId: AdapterFunction = async (ctx) => {
  if (!stateExists(ctx)) return Answer.no;
  const { state } = await readView(ctx, 'get_current_run_id');
  ctx.out.out(`${state.current_run_id ?? 'null'}\n`);
  return ExitCode.ok;
};

function findRun(runs: readonly Run[], id: string, current: string | null): Run {
  const wanted = id === 'current' || id === '' ? current : id;
  const run = runs.find((candidate) => candidate.run_id === wanted);
  if (!run)
    throw new RunNotFoundError(
      id,
      runs.map((candidate) => candidate.run_id),
    );
  return run;
}

/** get_run_info RUN_ID|current KEY: a field of a run (dotted: flags.kof, error.message), `null` when absent. */
export const getRunInfo: AdapterFunction = async (ctx, args) => {
  const [id = '', key = ''] = args;
  const { state } = await readView(ctx, 'get_run_info');
  const run = findRun(state.deployment_runs, id, state.current_run_id);
  const path = key.split('.').filter((part) => part !== '');
  const value = valueAtPath(run, path);
  if (value === undefined) {
    ctx.out.out(`${yqText(value)}\n`);
    return ExitCode.ok;
  }
  const found = { path: ['deployment_runs', state.deployment_runs.indexOf(run), ...path], value };
  return printShown(ctx, state, found, yqText, secretRefusal(key));
};

/** show_run_details RUN_ID: one run in detail. */
export const showRunDetails: AdapterFunction = async (ctx, args) => {
  const { state } = await readView(ctx, 'show_run_details');
  ctx.out.out(renderRun(state, args[0] ?? ''));
  return ExitCode.ok;
};

/** compare_runs A B: what changed between two runs. */
export const compareRunsFn: AdapterFunction = async (ctx, args) => {
  const { state } = await readView(ctx, 'compare_runs');
  ctx.out.out(compareRuns(state, args[0] ?? '', args[1] ?? ''));
  return ExitCode.ok;
};

function historyIndex(ctx: FunctionContext): string {
  return resolve(dirname(dirname(ctx.statePath)), 'old_deployments', 'deployment-history.yaml');
}

/**
 * record_deployment_history CLUSTER_ID [CONFIG_FILE] [DEPLOYER]: appends the deployment to
 * old_deployments/deployment-history.yaml (created when missing), as the deployer did.
 */
export const recordDeploymentHistory: AdapterFunction = async (ctx, args) => {
  const { named, rest } = namedArgs(args, ['config_yaml', 'deployer']);
  const [id = '', config, deployer] = rest;
  const file = historyIndex(ctx);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const text = isFile(file)
    ? await readFile(file, 'utf8')
    : '# Deployment History Index\n# Tracks all k0rdent deployments for easy lookup\ndeployments: []\n';
  const doc = parseDocument(text, { version: '1.2' });
  if (doc.errors.length > 0) {
    throw new StateError(
      'history-unreadable',
      `is not valid YAML (${doc.errors[0]?.message.split('\n')[0]}); fix or move it`,
      {
        exitCode: ExitCode.unreadable,
        file,
      },
    );
  }
  const entry = {
    cluster_id: id,
    deployed_at: formatUtc(ctx.now),
    config_file: config || named.config_yaml || 'unknown',
    deployer: deployer || named.deployer || 'unknown',
  };
  const list = doc.get('deployments', true);
  if (isSeq(list)) {
    list.flow = false;
    list.items.push(doc.createNode(entry));
  } else doc.set('deployments', doc.createNode([entry]));
  await writeAtomic(file, doc.toString(YAML_OUTPUT_OPTIONS));
  ctx.out.print('info', `Recorded deployment in history: ${id}`);
  return ExitCode.ok;
};

/**
 * show_deployment_history [--json]: the deployer's history index (`  id | time | deployer` lines),
 * as the old function printed it; then, when there is a state file, its runs (the proposal's
 * table). With --json, the runs only, as JSON (k0rdent-state history --json).
 */
export const showDeploymentHistory: AdapterFunction = async (ctx, args) => {
  if (args[0] === '--json') {
    const { state } = await readView(ctx, 'show_deployment_history');
    ctx.out.out(renderHistory(state, { json: true }));
    return ExitCode.ok;
  }
  const file = historyIndex(ctx);
  if (!isFile(file)) {
    ctx.out.print('info', 'No deployment history found');
  } else {
    const data = parseDocument(await readFile(file, 'utf8'), { version: '1.2' }).toJS() as {
      deployments?: Record<string, unknown>[];
    } | null;
    ctx.out.print('header', 'Deployment History');
    for (const entry of data?.deployments ?? []) {
      ctx.out.out(
        `  ${String(entry.cluster_id ?? '')} | ${String(entry.deployed_at ?? '')} | ${String(entry.deployer ?? '')}\n`,
      );
    }
  }
  if (stateExists(ctx)) {
    const { state } = await readView(ctx, 'show_deployment_history');
    if (state.deployment_runs.length > 0) {
      ctx.out.print('header', 'Deployment Runs');
      ctx.out.out(renderHistory(state));
    }
  }
  return ExitCode.ok;
};

/**
 * cleanup_old_runs [--keep N] [--older-than D]: moves finished runs beyond the newest N (default
 * 10), or older than D, out of the state file into old_deployments/<id>_<time>_runs/ (never
 * deleted). The current run always stays.
 */
export const cleanupOldRuns: AdapterFunction = async (ctx, args) => {
  let keep = 10;
  let olderThan: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--keep') {
      const text = args[++i] ?? '';
      if (!/^\d+$/.test(text))
        throw new UsageError(`cleanup_old_runs: --keep takes a number of runs, not ${JSON.stringify(text)}`);
      keep = Number(text);
    } else if (arg === '--older-than') {
      const text = args[++i] ?? '';
      olderThan = parseDuration(text);
      if (olderThan === undefined) {
        throw new UsageError(
          `cleanup_old_runs: --older-than takes a duration such as 30d, not ${JSON.stringify(text)}`,
        );
      }
    } else {
      throw new UsageError(
        `cleanup_old_runs: unknown argument ${JSON.stringify(arg)}; it takes --keep N and --older-than D`,
      );
    }
  }
  let archived: Run[] = [];
  let folder = '';
  await updateView(
    ctx,
    'cleanup_old_runs',
    (view) => {
      const runs = view.state.deployment_runs;
      const current = currentRun(view.state)?.run.run_id;
      const finished = runs.filter((run) => run.run_id !== current && run.outcome !== 'in_progress');
      const beyond = new Set(finished.slice(0, Math.max(0, finished.length - keep)).map((run) => run.run_id));
      const cutoff = olderThan === undefined ? undefined : ctx.now.getTime() - olderThan * 1000;
      archived = finished.filter(
        (run) =>
          beyond.has(run.run_id) ||
          (cutoff !== undefined && Date.parse(run.ended_at ?? run.started_at) < cutoff),
      );
      if (archived.length === 0) return;
      const ids = new Set(archived.map((run) => run.run_id));
      const node = view.doc.getIn(['deployment_runs'], true);
      if (isSeq(node)) {
        node.items = node.items.filter((_, index) => !ids.has(runs[index]?.run_id ?? ''));
      }
    },
    {
      // The runs are written to the archive before the state file loses them.
      beforeWrite: async () => {
        if (archived.length === 0) return;
        const { archiveRoot, archiveStamp } = await import('../write/backup.js');
        const { state } = await readView(ctx, 'cleanup_old_runs');
        folder = join(
          archiveRoot(ctx.statePath),
          `${String(state.deployment_id).replace(/[^A-Za-z0-9._-]/g, '_')}_${archiveStamp(ctx.now)}_runs`,
        );
        await mkdir(folder, { recursive: true, mode: 0o700 });
        const doc = new Document({
          deployment_id: state.deployment_id,
          archived_at: formatUtc(ctx.now),
          deployment_runs: archived,
        });
        await writeAtomic(join(folder, 'deployment-runs.yaml'), doc.toString(YAML_OUTPUT_OPTIONS), 0o600);
      },
    },
  );
  if (archived.length === 0) {
    ctx.out.print('info', 'No runs to archive');
    return ExitCode.ok;
  }
  ctx.out.print(
    'info',
    `Archived ${archived.length} run${archived.length === 1 ? '' : 's'} to ${shown(ctx, folder)}/deployment-runs.yaml`,
  );
  return ExitCode.ok;
};
