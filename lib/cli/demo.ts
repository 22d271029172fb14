import { CliError, type Command } from './command.js';

/** Placeholder until the demo command lands. */
export const demo: Command = async () => {
  throw new CliError('demo is not available yet', 1);
};
