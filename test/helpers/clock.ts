// A clock the test moves by hand.
import type { Clock } from '../../src/clock.js';

export class TestClock implements Clock {
  private t: number;
  constructor(start: Date | string = '2026-11-25T01:30:00Z') {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: Date | string): void {
    this.t = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
