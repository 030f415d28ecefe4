/**
 * The phase functions of the deployer: status and predicates, marks, reset. A phase that does not
 * apply under deployment_flags (a disabled component) is marked and read as the scripts expect:
 * `phase_mark_skipped` records it, with its reason, in the current run's history (never in the
 * live map, never an error), and `phase_status` then answers `skipped`.
 */
import { ExitCode } from '../errors.js';
import { scriptPhaseStatus, setCurrentPhase } from '../runtime/attempts.js';
import { requirePhase, resetFrom, setPhase } from '../runtime/phase-ops.js';
import { type AdapterFunction, Answer, type FunctionContext } from './call.js';
import { eventOf, readView, stateExists, updateView, updateWithEvents } from './state-io.js';

/** `install-k0s` → `install_k0s`, as the old functions normalised names. */
function normalized(name: string | undefined): string {
  return (name ?? '').replaceAll('-', '_');
}

async function statusOf(ctx: FunctionContext, name: string): Promise<string> {
  if (!stateExists(ctx)) return 'pending';
  const { state } = await readView(ctx, 'phase_status');
  return scriptPhaseStatus(state, requirePhase(name));
}

/** phase_status PHASE: one line, `pending` when there is no state file or no entry. */
export const phaseStatus: AdapterFunction = async (ctx, args) => {
  ctx.out.out(`${await statusOf(ctx, normalized(args[0]))}\n`);
  return ExitCode.ok;
};

/** A predicate over the phase's status. */
function predicate(test: (status: string) => boolean): AdapterFunction {
  return async (ctx, args) => (test(await statusOf(ctx, normalized(args[0]))) ? Answer.yes : Answer.no);
}

/** phase_is_completed PHASE. */
export const phaseIsCompleted = predicate((status) => status === 'completed');
/** check_phase_completion PHASE (the same question, another name). */
export const checkPhaseCompletion = phaseIsCompleted;
/** phase_is_skipped PHASE. */
export const phaseIsSkipped = predicate((status) => status === 'skipped');
/** phase_needs_run PHASE: neither completed nor skipped. */
export const phaseNeedsRun = predicate((status) => status !== 'completed' && status !== 'skipped');

function notFound(ctx: FunctionContext): number {
  ctx.out.print('error', `State file not found: ${ctx.stateName}`);
  return Answer.no;
}

/** phase_mark_skipped PHASE [REASON]: skipped with its reason, and a phase_skipped event. */
export const phaseMarkSkipped: AdapterFunction = async (ctx, args) => {
  const phase = requirePhase(normalized(args[0]));
  const reason = args[1] || 'Component not enabled';
  const event = eventOf(ctx, 'phase_skipped', `Phase skipped: ${phase} - ${reason}`, phase);
  if (!stateExists(ctx)) {
    const { addEvent } = await import('./fn-state.js');
    return addEvent(ctx, [event.action, event.message, phase]);
  }
  await updateWithEvents(
    ctx,
    'phase_mark_skipped',
    (view) =>
      setPhase(view, phase, 'skipped', ctx.now, reason, { notApplicable: 'record', setCurrent: false }),
    [event],
  );
  return ExitCode.ok;
};

/** phase_mark_in_progress PHASE: in progress, and the current run's phase. */
export const phaseMarkInProgress: AdapterFunction = async (ctx, args) => {
  const phase = requirePhase(normalized(args[0]));
  if (!stateExists(ctx)) return notFound(ctx);
  await updateView(
    ctx,
    'phase_mark_in_progress',
    (view) => {
      setPhase(view, phase, 'in_progress', ctx.now, undefined, {
        notApplicable: 'record',
        setCurrent: false,
      });
      setCurrentPhase(view, phase);
    },
    { touch: true, dataOnly: true },
  );
  return ExitCode.ok;
};

/** phase_mark_completed PHASE: completed, the current run's phase, and a phase_completed event. */
export const phaseMarkCompleted: AdapterFunction = async (ctx, args) => {
  const phase = requirePhase(normalized(args[0]));
  if (!stateExists(ctx)) return notFound(ctx);
  await updateWithEvents(
    ctx,
    'phase_mark_completed',
    (view) => {
      setPhase(view, phase, 'completed', ctx.now, undefined, { notApplicable: 'record', setCurrent: false });
      setCurrentPhase(view, phase);
    },
    [eventOf(ctx, 'phase_completed', `Phase completed: ${phase}`, phase)],
  );
  return ExitCode.ok;
};

/** phase_mark_pending PHASE: back to pending (no event, the run's phase unchanged). */
export const phaseMarkPending: AdapterFunction = async (ctx, args) => {
  const phase = requirePhase(normalized(args[0]));
  if (!stateExists(ctx)) return ExitCode.ok;
  await updateView(
    ctx,
    'phase_mark_pending',
    (view) =>
      setPhase(view, phase, 'pending', ctx.now, undefined, { notApplicable: 'record', setCurrent: false }),
    { touch: true, dataOnly: true },
  );
  return ExitCode.ok;
};

/**
 * phase_reset_from PHASE: that phase and every later applicable one back to pending, the run's
 * phase set to it, and a phase_reset event. An unknown phase returns 1, as before.
 */
export const phaseResetFrom: AdapterFunction = async (ctx, args) => {
  const name = normalized(args[0]);
  let phase: string;
  try {
    phase = requirePhase(name);
  } catch {
    return Answer.no;
  }
  if (!stateExists(ctx)) return notFound(ctx);
  await updateWithEvents(
    ctx,
    'phase_reset_from',
    (view) => {
      resetFrom(view, phase, ctx.now, { notApplicable: 'record' });
      setCurrentPhase(view, phase);
    },
    [eventOf(ctx, 'phase_reset', `Phase reset invoked from: ${phase}`)],
  );
  return ExitCode.ok;
};

/** phase_is_applicable PHASE (the proposal's function): 0 when it applies under deployment_flags. */
export const phaseIsApplicable: AdapterFunction = async (ctx, args) => {
  const phase = requirePhase(normalized(args[0]));
  const { state } = await readView(ctx, 'phase_is_applicable');
  const { phaseApplicable } = await import('../runtime/phase-ops.js');
  return phaseApplicable(state, phase) ? Answer.yes : Answer.no;
};
