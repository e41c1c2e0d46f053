// Python's random.Random, draw for draw: the Mersenne Twister (MT19937) seeded as CPython seeds it
// from an integer, and the few methods the reference generator calls (random, randrange, choice,
// choices with weights), each consuming the generator's words exactly as CPython 3.x does. With it
// the TypeScript port of the reference generator writes the very bytes the Python one writes for
// the same size and seed, so the benchmark's figures and anyone's runs of the Python generator are
// on the same exports.
//
// Owns nothing but the random draws; imported by scale-exports.ts.

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class PythonRandom {
  private readonly state = new Uint32Array(N);
  private index = N + 1;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`seed ${seed}: a safe integer is needed`);
    this.seedByArray(keyOfInteger(Math.abs(seed)));
  }

  /** float in [0, 1) with 53 random bits, as random.random() */
  random(): number {
    const a = this.nextWord() >>> 5;
    const b = this.nextWord() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** integer in [start, stop), as random.randrange(start, stop) */
  randrange(start: number, stop: number): number {
    const width = stop - start;
    if (width <= 0) throw new Error(`empty range for randrange(${start}, ${stop})`);
    return start + this.below(width);
  }

  /** one element, as random.choice(seq) */
  choice<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** one element drawn by weight, as random.choices(population, weights)[0] */
  weightedChoice<T>(items: readonly T[], weights: readonly number[]): T {
    const cumulative: number[] = [];
    let total = 0;
    for (const w of weights) cumulative.push((total += w));
    const x = this.random() * total;
    // bisect_right over cum_weights with hi = n - 1, as CPython does
    let low = 0;
    let high = items.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (x < cumulative[middle]!) high = middle;
      else low = middle + 1;
    }
    return items[low]!;
  }

  /** _randbelow_with_getrandbits: k-bit draws, rejected until one falls below n */
  private below(n: number): number {
    if (n > 2 ** 32) throw new Error(`randrange wider than 32 bits (${n}) is not ported`);
    const bits = Math.floor(Math.log2(n)) + 1; // int.bit_length()
    for (;;) {
      const r = bits === 32 ? this.nextWord() : this.nextWord() >>> (32 - bits);
      if (r < n) return r;
    }
  }

  private nextWord(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.state;
    for (let k = 0; k < N; k++) {
      const y = (mt[k]! & UPPER_MASK) | (mt[(k + 1) % N]! & LOWER_MASK);
      mt[k] = mt[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.index = 0;
  }

  private seedByWord(seed: number): void {
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  /** init_by_array of the reference MT19937, which CPython uses for every integer seed */
  private seedByArray(key: readonly number[]): void {
    const mt = this.state;
    this.seedByWord(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.index = N;
  }
}

/** an integer seed as CPython splits it: 32-bit words, least significant first, at least one */
function keyOfInteger(n: number): number[] {
  const key: number[] = [];
  let rest = n;
  do {
    key.push(rest % 2 ** 32);
    rest = Math.floor(rest / 2 ** 32);
  } while (rest > 0);
  return key;
}
