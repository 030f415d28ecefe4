/**
 * The deployer's other state files, kept as it keeps them: state/azure-state.yaml and
 * azure-events.yaml (Azure credentials for child clusters), and state/cluster-<name>-events.yaml
 * (one per child cluster). They are not part of deployment-state.yaml; each write takes the file's
 * own lock and replaces it atomically.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Document, parseDocument } from 'yaml';
import { ExitCode, StateError } from '../errors.js';
import { YAML_OUTPUT_OPTIONS } from '../migrate/engine.js';
import { formatUtc } from '../migrate/times.js';
import { writeAtomic } from '../write/atomic.js';
import { appendLogEvent } from '../write/event-log.js';
import { acquireLock } from '../write/lock.js';
import type { AdapterFunction, FunctionContext } from './call.js';
import { valueAtPath, yqText } from './helpers.js';
import { eventOf, isFile } from './state-io.js';

function pathOf(ctx: FunctionContext, given: string | undefined, fallback: string): string {
  return resolve(ctx.cwd, given || fallback);
}

async function loadYaml(file: string): Promise<Document> {
  const doc = parseDocument(await readFile(file, 'utf8'), { version: '1.2' });
  if (doc.errors.length > 0) {
    throw new StateError(
      'side-file-unreadable',
      `is not valid YAML (${doc.errors[0]?.message.split('\n')[0]}); fix it or move it aside`,
      { exitCode: ExitCode.unreadable, file },
    );
  }
  return doc;
}

/** Edits a YAML file under its own lock, creating it from `template` when missing. */
async function editYaml(
  file: string,
  template: string | undefined,
  edit: (doc: Document) => void,
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const lock = await acquireLock(file, { command: 'state adapter' });
  try {
    if (!isFile(file)) {
      if (template === undefined) return;
      await writeAtomic(file, template, 0o600);
    }
    const doc = await loadYaml(file);
    edit(doc);
    await writeAtomic(file, doc.toString(YAML_OUTPUT_OPTIONS));
  } finally {
    await lock.release();
  }
}

function dotted(key: string): string[] {
  return key.split('.').filter((segment) => segment !== '');
}

function azureTemplate(now: string): string {
  return `# Azure Credentials State\n# Auto-generated on ${now}\nazure_credentials_configured: false\nlast_updated: "${now}"\n`;
}

/** update_azure_state [FILE] KEY VALUE: true/false as booleans, anything else as text. */
export const updateAzureState: AdapterFunction = async (ctx, args) => {
  const [given, key = '', value = ''] = args;
  const file = pathOf(ctx, given, './state/azure-state.yaml');
  const now = formatUtc(ctx.now);
  await editYaml(file, azureTemplate(now), (doc) => {
    doc.setIn(dotted(key), value === 'true' ? true : value === 'false' ? false : value);
    doc.setIn(['last_updated'], now);
  });
  return ExitCode.ok;
};

/** get_azure_state [FILE] KEY: the value, `null` when absent or when there is no file. */
export const getAzureState: AdapterFunction = async (ctx, args) => {
  const [given, key = ''] = args;
  const file = pathOf(ctx, given, './state/azure-state.yaml');
  if (!isFile(file)) {
    ctx.out.out('null\n');
    return ExitCode.ok;
  }
  const data = (await loadYaml(file)).toJS() as unknown;
  ctx.out.out(`${yqText(valueAtPath(data, dotted(key)))}\n`);
  return ExitCode.ok;
};

/** add_azure_event [STATE_FILE] [EVENTS_FILE] ACTION MESSAGE. */
export const addAzureEvent: AdapterFunction = async (ctx, args) => {
  const [givenState, givenEvents, action = '', message = ''] = args;
  const stateFile = pathOf(ctx, givenState, './state/azure-state.yaml');
  const eventsFile = pathOf(ctx, givenEvents, './state/azure-events.yaml');
  const now = formatUtc(ctx.now);
  await mkdir(dirname(eventsFile), { recursive: true });
  const lock = await acquireLock(eventsFile, { command: 'state adapter: add_azure_event' });
  try {
    if (!isFile(eventsFile)) {
      await writeAtomic(
        eventsFile,
        `# Azure Events Log\n# Auto-generated on ${now}\nevents: []\nlast_updated: "${now}"\n`,
        0o600,
      );
    }
    await appendLogEvent(eventsFile, eventOf(ctx, action, message));
  } finally {
    await lock.release();
  }
  if (isFile(stateFile)) await editYaml(stateFile, undefined, (doc) => doc.setIn(['last_updated'], now));
  return ExitCode.ok;
};

/** remove_azure_state_key [FILE] KEY. */
export const removeAzureStateKey: AdapterFunction = async (ctx, args) => {
  const [given, key = ''] = args;
  const file = pathOf(ctx, given, './state/azure-state.yaml');
  if (!isFile(file)) return ExitCode.ok;
  await editYaml(file, undefined, (doc) => {
    doc.deleteIn(dotted(key));
    doc.setIn(['last_updated'], formatUtc(ctx.now));
  });
  return ExitCode.ok;
};

function clusterFile(stateDir: string | undefined, name: string, kind: 'state' | 'events'): string {
  return `${stateDir || './state'}/cluster-${name}-${kind}.yaml`;
}

/** get_cluster_state_file [STATE_DIR] NAME: the path, as the deployer names it. */
export const getClusterStateFile: AdapterFunction = (ctx, args) => {
  ctx.out.out(`${clusterFile(args[0], args[1] ?? '', 'state')}\n`);
  return ExitCode.ok;
};

/** get_cluster_events_file [STATE_DIR] NAME. */
export const getClusterEventsFile: AdapterFunction = (ctx, args) => {
  ctx.out.out(`${clusterFile(args[0], args[1] ?? '', 'events')}\n`);
  return ExitCode.ok;
};

async function writeClusterEvents(
  ctx: FunctionContext,
  stateDir: string | undefined,
  name: string,
): Promise<string> {
  const shownPath = clusterFile(stateDir, name, 'events');
  const file = resolve(ctx.cwd, shownPath);
  const now = formatUtc(ctx.now);
  const text = [
    `# Cluster Events Log: ${name}`,
    `# Auto-generated on ${now}`,
    '# Note: Cluster state is tracked in k0rdent - this file only tracks local events',
    '',
    `cluster_name: ${JSON.stringify(name)}`,
    `created_at: "${now}"`,
    `last_updated: "${now}"`,
    '',
    '# Events log (local operations only)',
    'events:',
    `  - timestamp: "${now}"`,
    '    action: "cluster_events_initialized"',
    `    message: ${JSON.stringify(`Local event tracking initialized for ${name}`)}`,
    '',
  ].join('\n');
  await mkdir(dirname(file), { recursive: true });
  const lock = await acquireLock(file, { command: 'state adapter: init_cluster_events' });
  try {
    await writeAtomic(file, text, 0o600);
  } finally {
    await lock.release();
  }
  return shownPath;
}

/** init_cluster_events [STATE_DIR] NAME: a new events file for a child cluster. */
export const initClusterEvents: AdapterFunction = async (ctx, args) => {
  const shownPath = await writeClusterEvents(ctx, args[0], args[1] ?? '');
  ctx.out.print('info', `Initialized cluster events: ${shownPath}`);
  return ExitCode.ok;
};

/**
 * add_cluster_event [STATE_DIR] NAME ACTION MESSAGE: appends to the cluster's events file,
 * creating it first when missing (the old function called an undefined init_cluster_state there
 * and stopped the script).
 */
export const addClusterEvent: AdapterFunction = async (ctx, args) => {
  const [stateDir, name = '', action = '', message = ''] = args;
  const file = resolve(ctx.cwd, clusterFile(stateDir, name, 'events'));
  if (!isFile(file)) await writeClusterEvents(ctx, stateDir, name);
  const lock = await acquireLock(file, { command: 'state adapter: add_cluster_event' });
  try {
    await appendLogEvent(file, eventOf(ctx, action, message));
  } finally {
    await lock.release();
  }
  const stateFile = resolve(ctx.cwd, clusterFile(stateDir, name, 'state'));
  if (isFile(stateFile)) {
    await editYaml(stateFile, undefined, (doc) => doc.setIn(['last_updated'], formatUtc(ctx.now)));
  }
  return ExitCode.ok;
};
