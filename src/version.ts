/** Newest state file format this tool reads and writes. */
export const LATEST_VERSION = 2;

/** This tool's version, recorded in `migrations_applied`. Kept in step with package.json by a test. */
export const TOOL_VERSION = '0.1.0';
