/** Runs a synchronous store operation as a promise, turning a throw into a rejection (the port is async). */
export function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e as Error);
  }
}
