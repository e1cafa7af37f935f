import { describe, expect, it } from 'vitest';
import { grad } from '../autograd/functional.js';
import { Tensor } from '../tensor/tensor.js';
import { parseExpression } from './expression.js';

const at = (v: number): Tensor => new Tensor(new Float64Array([v]), []);

describe('parseExpression', () => {
  it('evaluates with the usual precedence', () => {
    expect(parseExpression('1 + 2 * 3 ^ 2')(at(0)).item()).toBe(19);
    expect(parseExpression('-x^2')(at(3)).item()).toBe(-9);
    expect(parseExpression('2^3^2')(at(0)).item()).toBe(512); // right-associative
    expect(parseExpression('(x - 1) / (x + 1)')(at(3)).item()).toBe(0.5);
    expect(parseExpression('x**3 - 2*x + 2')(at(1)).item()).toBe(1);
    expect(parseExpression('sin(pi/2) + log(e)')(at(0)).item()).toBeCloseTo(2, 15);
  });
  it('differentiates through autodiff', () => {
    // d/dx (x³ − 2x + 2) = 3x² − 2 = 10 at x = 2; d/dx exp(sin x) = cos x·exp(sin x).
    const [g] = grad((x: Tensor) => parseExpression('x^3 - 2*x + 2')(x))(at(2));
    expect(g!.item()).toBeCloseTo(10, 6);
    const [h] = grad((x: Tensor) => parseExpression('exp(sin(x))')(x))(at(0.3));
    expect(h!.item()).toBeCloseTo(Math.cos(0.3) * Math.exp(Math.sin(0.3)), 12);
  });
  it('names what is wrong in a bad expression', () => {
    expect(() => parseExpression('x +')).toThrow(/expected a number, x, a function/);
    expect(() => parseExpression('foo(x)')).toThrow(/unknown name "foo"/);
    expect(() => parseExpression('x $ 2')).toThrow(/unexpected character "\$"/);
    expect(() => parseExpression('(x')).toThrow(/expected \)/);
  });
});
