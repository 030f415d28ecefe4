import {
  defaultStateFile,
  FILE_OPTION,
  flag,
  MAX_SIZE_OPTION,
  maxBytes,
  stringOption,
  useColor,
  useProgress,
  values,
} from '../common.js';
import { CI_FORMATS } from '../formats/index.js';
import type { CommandSpec } from '../framework/types.js';
import { type ValidateFormat, validateCommand } from '../validate.js';

/** `validate [FILES...]`: checks state files against their schema and the v2 invariants. */
export const command: CommandSpec = {
  name: 'validate',
  summary: 'Check state files against their schema and the v2 invariants',
  positionals: [
    {
      name: 'files',
      variadic: true,
      describe: 'state files to check (default: $DEPLOYMENT_STATE_FILE, else state/deployment-state.yaml)',
      complete: 'file',
    },
  ],
  options: {
    file: { ...FILE_OPTION.file, multiple: true, describe: 'a state file to check, as FILES' },
    schema: {
      type: 'string',
      value: 'VERSION',
      choices: ['v1', 'v2'],
      describe: 'check against this version instead of the detected one',
    },
    'require-latest': {
      type: 'boolean',
      describe: 'report a file that is not the latest format as an error',
    },
    strict: { type: 'boolean', describe: 'treat warnings as errors' },
    format: {
      type: 'string',
      value: 'FORMAT',
      choices: ['text', 'json', ...CI_FORMATS],
      default: 'text',
      describe: 'output format; for CI: github (annotations), sarif (code scanning), junit',
    },
    ...MAX_SIZE_OPTION,
  },
  examples: [
    ['validate', 'check state/deployment-state.yaml'],
    ['validate --require-latest state/*.yaml', 'also fail on files still in format v1'],
    ['validate --format json fixtures/v2/*.yaml', 'machine-readable output'],
    ['validate --format github', 'annotations in a GitHub Actions job'],
    ['validate --format sarif > state.sarif', 'for code scanning (upload-sarif)'],
    ['validate --verbose state/*.yaml', 'one line per file, with timings'],
  ],
  handler(args, io) {
    const files = [...values(args, 'file'), ...values(args, 'files')];
    return validateCommand(
      {
        files: files.length > 0 ? files : [defaultStateFile(io)],
        schema: stringOption(args, 'schema') as 'v1' | 'v2' | undefined,
        requireLatest: flag(args, 'require-latest'),
        strict: flag(args, 'strict'),
        format: stringOption(args, 'format') as ValidateFormat,
        maxBytes: maxBytes(args),
        quiet: args.global.quiet,
        verbose: args.global.verbose,
        color: useColor(args, io),
        progress: useProgress(io),
      },
      io,
    );
  },
};
