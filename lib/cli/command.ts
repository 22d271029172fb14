/** A subcommand: takes its arguments, returns the exit status. */
export type Command = (args: readonly string[]) => Promise<number>;

/** A mistake of the user's (bad flag, bad target): printed without a stack, with this exit status. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
