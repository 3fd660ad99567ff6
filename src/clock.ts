// The injected clock: services and workers ask it for "now"; tests move it.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
