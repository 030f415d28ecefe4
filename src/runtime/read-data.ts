import { StateError } from '../errors.js';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { needsFold } from '../migrate/needs.js';
import { decodeStateBytes } from '../parse/decode.js';
import { fastParse } from '../parse/fast-yaml.js';
import { readStateBytes } from '../read/read-file.js';
import { LATEST_VERSION } from '../version.js';

/**
 * The data of a plain v2 state file (the form this tool writes), read by the fast reader, which
 * gives the same data as the YAML library; undefined for anything else (a v1 file, a v2 file an
 * old script wrote into, a file the fast reader gives up on, a broken file): the caller then
 * reads it with readState, which migrates in memory and reports what is wrong. A file that
 * cannot be read at all throws, with `name` as its name.
 */
export async function fastStateData(
  path: string,
  name: string,
  maxBytes: number | undefined,
): Promise<DeploymentStateV2 | undefined> {
  const bytes = await readStateBytes(path, { maxBytes }).catch((error) => {
    if (error instanceof StateError) error.file = name;
    throw error;
  });
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = decodeStateBytes(bytes, name).text;
  } catch {
    return undefined;
  }
  const data = fastParse(text)?.data;
  if (
    data === undefined ||
    data.schema_version !== LATEST_VERSION ||
    !Object.hasOwn(data, 'deployment_id') ||
    !Object.hasOwn(data, 'config') ||
    needsFold(data)
  ) {
    return undefined;
  }
  return data as unknown as DeploymentStateV2;
}
