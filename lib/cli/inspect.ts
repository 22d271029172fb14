import { CliError, type Command } from './command.js';

/** Placeholder until the inspect command lands. */
export const inspect: Command = async () => {
  throw new CliError('inspect is not available yet', 1);
};
