/**
 * A learning-rate (or any hyper-parameter) schedule: a pure function of the step count
 * (0-based: the value used by the first update is `schedule(0)`). Being pure, a schedule is held
 * in a transformation's state as just the step count, so there is no `scheduler.step()` to call
 * in the wrong order.
 */
export type Schedule = (step: number) => number;

/** A constant or a schedule. */
export type ScalarOrSchedule = number | Schedule;
