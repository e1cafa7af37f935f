import { describe, expect, it } from 'vitest';
import {
  EPISODE_NONE,
  EPISODE_RESOLVE,
  EPISODE_START,
  advanceEpisode,
  createEpisode,
} from './episode.js';

describe('episode de-duplication', () => {
  it('starts after `patience` consecutive checks, once, resolves after `resolveAfter` clear checks, then cools down', () => {
    const e = createEpisode();
    const seq = [
      true,
      true,
      false,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      true,
      true,
      true,
      true,
      true,
    ];
    const out = seq.map((c, i) =>
      advanceEpisode(e, { condition: c, step: i, patience: 3, resolveAfter: 2, cooldown: 4 }),
    );
    // starts at the 3rd consecutive true (index 5), no repeat while active, resolves at index 9
    expect(out.indexOf(EPISODE_START)).toBe(5);
    expect(out.slice(0, 10).filter((r) => r === EPISODE_START)).toHaveLength(1);
    expect(out.indexOf(EPISODE_RESOLVE)).toBe(9);
    // cooldown 4 counts down on checks 10..13 (no start even though 3 trues in a row); starts at 14
    expect(out.slice(10, 14).every((r) => r === EPISODE_NONE)).toBe(true);
    expect(out[14]).toBe(EPISODE_START);
  });
});
