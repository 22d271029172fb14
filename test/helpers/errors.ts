/** The `code` a promise rejects with (ENOTFOUND, ESERVFAIL, ...), or undefined when it resolves. */
export async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}
