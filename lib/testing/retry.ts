/**
 * Promise-level retries of the bed (a port taken between picking and binding it, a restart racing
 * the old sockets' release), through p-retry rather than hand-written loops. p-retry is ESM-only,
 * so it is loaded with a dynamic import, which CommonJS can do on every supported Node.
 */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Which errors are worth another attempt; any other fails at once. */
  readonly retryOn: (error: unknown) => boolean;
  /** Wait before the second attempt (doubling after); 0 retries at once. */
  readonly firstDelayMs?: number;
}

export async function retrying<T>(run: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { default: pRetry, AbortError } = await import('p-retry');
  const delay = options.firstDelayMs ?? 0;
  return pRetry(
    async (attempt) => {
      try {
        return await run(attempt);
      } catch (error) {
        if (options.retryOn(error) || !(error instanceof Error)) throw error;
        throw new AbortError(error);
      }
    },
    { retries: options.attempts - 1, minTimeout: delay, factor: 2, randomize: false },
  );
}
