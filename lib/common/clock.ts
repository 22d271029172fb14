/** Time and timers, injectable so the pure layers run under a fake clock in tests. */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** An unref'd timer: the SDK never keeps a process alive on its own. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
});

/** A uniform random number in [0, 1); injectable for deterministic tests. */
export type RandomSource = () => number;
