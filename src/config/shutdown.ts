/**
 * The process's stop signals, for the commands that keep running (serve, replay, analyze --serve).
 * Commands hand the outputs a stop callback or an AbortSignal; only this file listens to the process.
 */

/**
 * Resolves on SIGINT/SIGTERM, or after `lingerSeconds` when given, or when `signal` aborts; with the
 * reason ('SIGINT', 'SIGTERM', 'linger', 'aborted'). The handlers are removed afterwards, so a second
 * Ctrl-C falls back to Node's default and ends the process.
 */
export function waitForShutdown(lingerSeconds: number | null, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    const onAbort = (): void => done('aborted');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = lingerSeconds === null ? undefined : setTimeout(() => done('linger'), lingerSeconds * 1000);
    if (signal?.aborted === true) done('aborted');
  });
}

/**
 * Calls `fn` on every SIGUSR1 (a long-running command writes its report now) until the returned
 * function is called.
 */
export function onReportSignal(fn: () => void): () => void {
  const handler = (): void => fn();
  process.on('SIGUSR1', handler);
  return () => process.off('SIGUSR1', handler);
}

export interface StopSignal {
  /** aborts on the first SIGINT or SIGTERM; its `reason` is the signal's name */
  readonly signal: AbortSignal;
  /** removes the handlers (call when the work is done); a later Ctrl-C then ends the process as usual */
  dispose(): void;
}

/**
 * For work that must end cleanly on Ctrl-C (`tcpdump -w - | voipready analyze -`): the first
 * SIGINT/SIGTERM aborts the signal (the reader stops, the report of what was read is printed) and
 * the handlers go at once, so a second Ctrl-C ends the process as Node does by default.
 */
export function stopOnSignal(): StopSignal {
  const ctl = new AbortController();
  const dispose = (): void => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
  const stop = (name: string): void => {
    dispose();
    ctl.abort(name);
  };
  const onInt = (): void => stop('SIGINT');
  const onTerm = (): void => stop('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return { signal: ctl.signal, dispose };
}
