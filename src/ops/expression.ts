import { ConfigError, fmt } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { add, div, mul, pow, sub } from './elementwise.js';
import { abs, cos, exp, log, neg, sigmoid, sin, sqrt, tanh } from './unary.js';

/** A parsed expression of one variable, evaluated with differentiable ops. */
export type Expression = (x: Tensor) => Tensor;

const FUNCS: Record<string, (t: Tensor) => Tensor> = {
  sin,
  cos,
  exp,
  log,
  sqrt,
  tanh,
  sigmoid,
  abs,
};
const CONSTS: Record<string, number> = { pi: Math.PI, e: Math.E };

type Tok = { kind: 'num'; v: number } | { kind: 'id'; v: string } | { kind: 'op'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (/[0-9.]/.test(ch)) {
      const m = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(src.slice(i));
      if (!m) throw new ConfigError(`expression: bad number at position ${i} in ${fmt(src)}`);
      out.push({ kind: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[a-z_]/i.test(ch)) {
      const m = /^[a-z_][a-z0-9_]*/i.exec(src.slice(i)) as RegExpExecArray;
      out.push({ kind: 'id', v: m[0] });
      i += m[0].length;
    } else if (ch === '*' && src[i + 1] === '*') {
      out.push({ kind: 'op', v: '^' });
      i += 2;
    } else if ('+-*/^()'.includes(ch)) {
      out.push({ kind: 'op', v: ch });
      i++;
    } else
      throw new ConfigError(
        `expression: unexpected character ${fmt(ch)} at position ${i} in ${fmt(src)}`,
      );
  }
  return out;
}

/**
 * Parses an arithmetic expression in `x` — numbers, x, pi, e, + − * / ^ (or **), parentheses, and
 * sin cos exp log sqrt tanh sigmoid abs — into a function evaluated with differentiable ops, so
 * its derivative comes from autodiff (used by `gradscope newton "x^3 - 2*x + 2" --x0 0`).
 * Precedence: unary minus binds looser than ^ (−x^2 = −(x^2)), ^ is right-associative.
 * @example const f = parseExpression('x^2 - 2'); f(tensor([1.5])) // 0.25
 */
export function parseExpression(src: string): Expression {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const isOp = (v: string): boolean => {
    const t = peek();
    return t !== undefined && t.kind === 'op' && t.v === v;
  };
  const fail = (what: string): never => {
    throw new ConfigError(`expression: expected ${what} at token ${p + 1} of ${fmt(src)}`);
  };
  // Grammar: sum := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*;
  // unary := '-' unary | power; power := atom ('^' unary)?; atom := num | id | id '(' sum ')' | '(' sum ')'.
  type Node = (x: Tensor) => Tensor | number;
  const sum = (): Node => {
    let left = term();
    while (isOp('+') || isOp('-')) {
      const op = (toks[p++] as Tok).v;
      const l = left;
      const r = term();
      left = (x) => (op === '+' ? add(l(x), r(x)) : sub(l(x), r(x)));
    }
    return left;
  };
  const term = (): Node => {
    let left = unary();
    while (isOp('*') || isOp('/')) {
      const op = (toks[p++] as Tok).v;
      const l = left;
      const r = unary();
      left = (x) => (op === '*' ? mul(l(x), r(x)) : div(l(x), r(x)));
    }
    return left;
  };
  const unary = (): Node => {
    if (isOp('-')) {
      p++;
      const u = unary();
      return (x) => {
        const v = u(x);
        return typeof v === 'number' ? -v : neg(v);
      };
    }
    if (isOp('+')) {
      p++;
      return unary();
    }
    return power();
  };
  const power = (): Node => {
    const base = atom();
    if (isOp('^')) {
      p++;
      const ex = unary();
      return (x) => pow(base(x), ex(x));
    }
    return base;
  };
  const atom = (): Node => {
    const t = peek();
    if (!t) return fail('a number, x, a function or (');
    p++;
    if (t.kind === 'num') return () => t.v;
    if (t.kind === 'op' && t.v === '(') {
      const inner = sum();
      if (!isOp(')')) fail(')');
      p++;
      return inner;
    }
    if (t.kind === 'id') {
      if (t.v === 'x') return (x) => x;
      const c = CONSTS[t.v];
      if (c !== undefined) return () => c;
      const f = FUNCS[t.v];
      if (f) {
        if (!isOp('(')) fail(`( after ${t.v}`);
        p++;
        const arg = sum();
        if (!isOp(')')) fail(')');
        p++;
        return (x) => {
          const v = arg(x);
          return f(typeof v === 'number' ? new Tensor(new Float64Array([v]), []) : v);
        };
      }
      throw new ConfigError(
        `expression: unknown name ${fmt(t.v)} in ${fmt(src)} (variables: x; constants: pi, e; functions: ${Object.keys(FUNCS).join(', ')})`,
      );
    }
    return fail('a number, x, a function or (');
  };
  const root = sum();
  if (p !== toks.length) fail('end of expression');
  return (x: Tensor) => {
    const v = root(x);
    if (typeof v !== 'number') return v;
    // A constant expression: still a tensor of x's shape, with zero derivative.
    return add(mul(x, 0), v);
  };
}
