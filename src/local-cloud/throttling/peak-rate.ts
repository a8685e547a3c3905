/**
 * The highest number of events seen in any one-second window (a sliding
 * window, not calendar seconds, so a burst across a second's boundary is
 * counted whole). Holds the times of the last second's events only.
 */
const WINDOW_MS = 1000;

export class PeakRate {
  private times: number[] = [];
  private head = 0;
  private highest = 0;

  record(now: number): void {
    this.times.push(now);
    while ((this.times[this.head] as number) <= now - WINDOW_MS) this.head += 1;
    const inWindow = this.times.length - this.head;
    if (inWindow > this.highest) this.highest = inWindow;
    // Drop the expired prefix now and then rather than shifting on every event.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Events in the busiest one-second window so far. */
  get peakPerSecond(): number {
    return this.highest;
  }
}
