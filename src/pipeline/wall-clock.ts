/**
 * The clock a live source drives: on every wall-clock second (aligned to the second, like the
 * seconds of a capture) it moves the analyzer's clock to now, even when no packet arrives, so that
 * per-second listeners (metrics, remote_write samples), stale streams and retirement happen on time.
 * A file never uses it: its clock is the capture's time.
 */
export interface Tickable {
  tickTo(epochMs: number): void;
}

export interface WallClockOptions {
  /** the time source (default Date.now) */
  now?: () => number;
  /** timers (default the global ones); tests pass their own */
  setTimeout?: (fn: () => void, ms: number) => { unref?(): unknown };
  clearTimeout?: (t: unknown) => void;
}

export interface WallClock {
  /** stop ticking (idempotent) */
  stop(): void;
  /** ticks so far */
  readonly ticks: number;
}

/** tick `target` at each whole second from now on; the timer never keeps the process alive */
export function startWallClock(target: Tickable, opts: WallClockOptions = {}): WallClock {
  const now = opts.now ?? Date.now;
  const set = opts.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clear = opts.clearTimeout ?? ((t: unknown) => clearTimeout(t as NodeJS.Timeout));
  let timer: unknown = null;
  let stopped = false;
  let ticks = 0;
  const schedule = (): void => {
    // to the next whole second, re-aligned every time (timers drift; a second must not be skipped or doubled)
    const t = set(fire, 1000 - (now() % 1000) + 1);
    t.unref?.();
    timer = t;
  };
  const fire = (): void => {
    if (stopped) return;
    ticks++;
    target.tickTo(now());
    schedule();
  };
  schedule();
  return {
    stop: () => {
      stopped = true;
      if (timer !== null) clear(timer);
    },
    get ticks() {
      return ticks;
    },
  };
}
