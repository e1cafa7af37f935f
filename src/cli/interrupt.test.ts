import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { catchInterrupts, INTERRUPT_EXIT } from './interrupt.js';

function fake(): {
  target: EventEmitter;
  exits: number[];
  text: () => string;
  deps: Parameters<typeof catchInterrupts>[1];
} {
  const target = new EventEmitter();
  const exits: number[] = [];
  let text = '';
  return {
    target,
    exits,
    text: () => text,
    deps: {
      target,
      exit: (c) => void exits.push(c),
      write: (s) => void (text += s),
    },
  };
}

describe('catchInterrupts', () => {
  it('aborts its signal at the first SIGINT, exits 130 at once on the second', () => {
    const f = fake();
    const ints = catchInterrupts('training', f.deps);
    expect(ints.signal.aborted).toBe(false);
    expect(ints.received).toBeNull();
    f.target.emit('SIGINT');
    expect(ints.signal.aborted).toBe(true);
    expect(ints.received).toBe('SIGINT');
    expect(ints.exitCode).toBe(130);
    expect(f.exits).toEqual([]);
    expect(f.text()).toContain('SIGINT: stopping training after the current step and saving');
    f.target.emit('SIGINT');
    expect(f.exits).toEqual([130]);
    ints.dispose();
    expect(f.target.listenerCount('SIGINT')).toBe(0);
    expect(f.target.listenerCount('SIGTERM')).toBe(0);
  });

  it('SIGTERM is 143 (128 + 15), and the first signal decides the code', () => {
    const f = fake();
    const ints = catchInterrupts('the run', f.deps);
    f.target.emit('SIGTERM');
    expect(ints.exitCode).toBe(INTERRUPT_EXIT.SIGTERM);
    f.target.emit('SIGINT');
    expect(f.exits).toEqual([143]);
    ints.dispose();
  });
});
