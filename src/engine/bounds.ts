/**
 * Numeric bounds and the error that names a setting out of range. One table of bounds serves the CLI, the
 * URL hash and the controls, so a limit cannot be bypassed through one of them (tensorflow/playground #63).
 * Its own module so that the method records can check their settings without importing the config.
 */
/** Inclusive numeric bounds; `integer` ones must be whole. */
export interface Bound {
  min: number;
  max: number;
  integer: boolean;
}

export const BOUNDS = {
  n: { min: 2, max: 512, integer: true },
  seeds: { min: 1, max: 100, integer: true },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  lr: { min: 1e-6, max: 1, integer: false },
  leak: { min: 0.01, max: 1, integer: false },
  gain: { min: 0.1, max: 3, integer: false },
  pretrainSteps: { min: 0, max: 1_000_000, integer: true },
  adaptSteps: { min: 1, max: 1_000_000, integer: true },
  refreshEvery: { min: 0, max: 1_000_000, integer: true },
  clipNorm: { min: 0, max: 1e6, integer: false },
  metricsEvery: { min: 0, max: 1_000_000, integer: true },
  /** TBPTT(τ)'s window */
  truncation: { min: 1, max: 10_000, integer: true },
} satisfies Record<string, Bound>;

export type BoundName = keyof typeof BOUNDS;

/** A setting out of range, named so the message can say which and what is allowed. */
export class ConfigError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function describeBound(b: Bound): string {
  return `${b.integer ? 'an integer' : 'a number'} in [${b.min}, ${b.max}]`;
}

/** Checks a value against its bound; `option` is the name to print (e.g. `--n`). */
export function checkBound(option: string, value: number, bound: Bound): number {
  if (!Number.isFinite(value) || value < bound.min || value > bound.max || (bound.integer && !Number.isInteger(value))) {
    throw new ConfigError(option, `${option} must be ${describeBound(bound)}, got ${Number.isNaN(value) ? 'not a number' : value}`);
  }
  return value;
}

export function checkChoice<T extends string>(option: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(option, `${option} must be one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}
