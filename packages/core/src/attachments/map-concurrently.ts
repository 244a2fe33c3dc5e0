/**
 * Runs `task` over `items`, at most `limit` at a time, and returns the results in
 * input order. The first failure aborts the signal every running task was given,
 * starts no further task, waits for the running ones to settle (so that no download
 * outlives the call) and is then thrown. Aborting `signal` cancels the same way.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  const cancel = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', cancel, { once: true });
  const results = new Array<R>(items.length);
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !controller.signal.aborted) {
      const index = next;
      next += 1;
      try {
        results[index] = await task(items[index] as T, controller.signal);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
  if (failure !== undefined) throw failure.error;
  controller.signal.throwIfAborted();
  return results;
}
