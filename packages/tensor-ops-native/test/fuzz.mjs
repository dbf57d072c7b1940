// Calls every function the add-on exports with random shapes, lengths and argument types, and
// counts how each call ended. A call may return or throw a JavaScript error; anything else (a
// crash, a hang) ends this process abnormally, which the test that runs it reports.
//
//   node fuzz.mjs <seed> <cases>   prints one JSON line: { cases, returned, threw, byFunction }
import { createRequire } from 'node:module';
import { join } from 'node:path';

const binding = createRequire(import.meta.url)(
  join(import.meta.dirname, '..', 'build', 'Release', 'bctkit_kernels.node'),
);

const [seed = 1, cases = 5000] = process.argv.slice(2).map(Number);

// mulberry32: a small seeded generator, so a failing case can be replayed.
let state = seed >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items) => items[Math.floor(random() * items.length)];

// Sizes that make products wrap or exceed 32 bits, beside small real ones.
const EDGE = [0, 1, 2, 3, 7, 2 ** 15, 2 ** 16, 2 ** 31 - 1, -1, -(2 ** 31)];
const size = () => (random() < 0.7 ? Math.floor(random() * 6) : pick(EDGE));
const length = () => (random() < 0.85 ? Math.floor(random() * 64) : pick([0, 1, 4096]));
const floats = () => {
  const array = new Float32Array(length());
  for (let i = 0; i < array.length; i++) array[i] = random() * 2 - 1;
  return array;
};
/** Mostly Float32Arrays, sometimes another type or none. */
const floatArgument = () =>
  random() < 0.92 ? floats() : pick([new Int32Array(4), new Float64Array(3), [1, 2], null, 3, 'x']);
const intArgument = () =>
  random() < 0.9 ? size() : pick([1.5, Number.NaN, 2 ** 53, -(2 ** 53), '4', undefined, null]);
const geometry = () => {
  if (random() < 0.05) return pick([new Int32Array(14), new Float32Array(15), [1, 2, 3], null]);
  const g = new Int32Array(15);
  for (let i = 0; i < 15; i++) g[i] = size();
  return g;
};
/** A geometry whose buffers are small and consistent, so valid calls run their kernels. */
function consistentConv() {
  const [batch, inH, inW, inC, outC] = [1, 1, 1, 1, 1].map(() => 1 + Math.floor(random() * 4));
  const [kH, kW] = [1 + Math.floor(random() * 3), 1 + Math.floor(random() * 3)];
  const [strideH, strideW] = [1 + Math.floor(random() * 2), 1 + Math.floor(random() * 2)];
  const [padTop, padLeft] = [Math.floor(random() * kH), Math.floor(random() * kW)];
  const outH = Math.max(1, Math.floor((inH + padTop - kH) / strideH) + 1);
  const outW = Math.max(1, Math.floor((inW + padLeft - kW) / strideW) + 1);
  const g = Int32Array.of(
    batch,
    inH,
    inW,
    inC,
    outH,
    outW,
    outC,
    kH,
    kW,
    strideH,
    strideW,
    1,
    1,
    padTop,
    padLeft,
  );
  return {
    g,
    image: new Float32Array(batch * inH * inW * inC).fill(0.5),
    output: new Float32Array(batch * outH * outW * outC).fill(0.25),
    filter: new Float32Array(kH * kW * inC * outC).fill(0.1),
  };
}
function convArguments(order) {
  if (random() < 0.3) {
    const c = consistentConv();
    return [...order.map((name) => c[name]), c.g];
  }
  return [floatArgument(), floatArgument(), floatArgument(), geometry()];
}
function indices() {
  if (random() < 0.05) return pick([new Float32Array(2), [0], null]);
  const array = new Int32Array(length());
  for (let i = 0; i < array.length; i++)
    array[i] = random() < 0.9 ? Math.floor(random() * 8) : pick(EDGE);
  return array;
}

const CALLS = {
  conv2d: () => convArguments(['image', 'filter', 'output']),
  conv2dBackpropInput: () => convArguments(['output', 'filter', 'image']),
  conv2dBackpropFilter: () => convArguments(['image', 'output', 'filter']),
  matmul: () => {
    const [batchA, batchB, m, n, k] = [
      intArgument(),
      intArgument(),
      intArgument(),
      intArgument(),
      intArgument(),
    ];
    const sized = (count) =>
      Number.isSafeInteger(count) && count >= 0 && count <= 4096 && random() < 0.5
        ? new Float32Array(count)
        : floatArgument();
    const batch = Math.max(Number(batchA) || 0, Number(batchB) || 0);
    return [
      sized(batchA * m * k),
      sized(batchB * k * n),
      sized(batch * m * n),
      batchA,
      batchB,
      m,
      n,
      k,
      random() < 0.5,
      random() < 0.5,
    ];
  },
  binary: () => [
    intArgument(),
    intArgument(),
    floatArgument(),
    floatArgument(),
    floatArgument(),
    intArgument(),
  ],
  channelSum: () => [floatArgument(), floatArgument(), random() * 2],
  prelu: () => [floatArgument(), floatArgument(), floatArgument(), intArgument()],
  preluGrad: () => [
    floatArgument(),
    floatArgument(),
    floatArgument(),
    floatArgument(),
    floatArgument(),
  ],
  batchNorm: () => [
    floatArgument(),
    floatArgument(),
    floatArgument(),
    random(),
    floatArgument(),
    floatArgument(),
    floatArgument(),
    floatArgument(),
  ],
  batchNormGrad: () => Array.from({ length: 8 }, floatArgument),
  pairDots: () => [
    floatArgument(),
    floatArgument(),
    intArgument(),
    indices(),
    indices(),
    floatArgument(),
  ],
  sortFloat32: () => [floatArgument()],
  threads: () => [],
};

/** Argument types and lengths, for FUZZ_TRACE=1 (which prints each call before it runs). */
const describe = (args) =>
  args
    .map((arg) =>
      ArrayBuffer.isView(arg)
        ? `${arg.constructor.name}(${arg.length}${arg.length <= 15 ? `: ${[...arg]}` : ''})`
        : String(arg),
    )
    .join(', ');

const names = Object.keys(CALLS);
const byFunction = Object.fromEntries(names.map((name) => [name, { returned: 0, threw: 0 }]));
let returned = 0;
let threw = 0;
for (let index = 0; index < cases; index++) {
  const name = names[index % names.length];
  const args = CALLS[name]();
  // Drop trailing arguments now and then: too few arguments must be refused too.
  if (random() < 0.03) args.length = Math.floor(random() * args.length);
  if (process.env.FUZZ_TRACE) process.stderr.write(`${index} ${name} ${describe(args)}\n`);
  try {
    binding[name](...args);
    returned++;
    byFunction[name].returned++;
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`${name} threw a non-Error: ${String(error)}`);
    threw++;
    byFunction[name].threw++;
  }
}
console.log(JSON.stringify({ cases, returned, threw, byFunction }));
