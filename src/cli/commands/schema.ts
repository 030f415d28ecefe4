import type { CommandSpec } from '../framework/types.js';

/** `schema [VERSION]`: prints the JSON Schema of a format version. */
export const command: CommandSpec = {
  name: 'schema',
  summary: 'Print the JSON Schema of a format version (for editors)',
  positionals: [
    { name: 'version', describe: 'v1, v2 or latest (default: latest)', complete: ['v1', 'v2', 'latest'] },
  ],
  examples: [
    ['schema v2 > deployment-state.v2.schema.json', 'for the yaml-language-server modeline'],
    ['schema v1', 'the schema of the old, unversioned format'],
  ],
  async handler(args, io) {
    const { schemaCommand } = await import('../schema.js');
    const version = args.positionals.version;
    return schemaCommand({ version: typeof version === 'string' ? version : undefined }, io);
  },
};
