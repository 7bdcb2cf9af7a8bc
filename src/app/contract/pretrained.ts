/**
 * Pretrained weights shipped with the app for the settings most first visits open (the default link, and
 * the claims that share it), so the first curve does not wait for pretraining. Pretraining is seeded and
 * deterministic: the file holds exactly what the engine computes (tests/liveRun.test.ts recomputes it
 * bit for bit and rewrites it with UPDATE_PRETRAINED=1). The data stream still advances through regime A
 * as if it had trained, so the run that follows is the same run.
 *
 * The page fetches the file (its key and path from here) and the worker puts the weights in place.
 */
import { DEFAULT_PARAMS, taskOptionsOf, type LabParams } from '../labParams';

export interface PretrainedState {
  /** recurrent parameters θ (the model's flat vector) */
  theta: Float32Array;
  /** readout V, c */
  readout: Float32Array;
  /** the running state at the end of pretraining (the lead-in starts from it) */
  hEnd: Float32Array;
  /** mean per-step loss of each pretraining epoch */
  epochLoss: number[];
}

/** What fixes the pretrained weights; the task's own parameters (τ, the adding length) default to the app's. */
type CacheKeyParams = Pick<LabParams, 'task' | 'model' | 'n' | 'leak' | 'seed'> & Partial<Pick<LabParams, 'delayA' | 'delayB' | 'length'>>;

/** The settings whose pretrained weights ship in public/pretrained/. */
export const CACHED_SETTINGS: readonly CacheKeyParams[] = [{ task: 'sine', model: 'rnn', n: 64, leak: 0.3, seed: 1 }];

/** The task's parameters as a key part: '' for a task without any (the sine task's key is unchanged). */
function taskOptionsKey(p: CacheKeyParams): string {
  const o = taskOptionsOf({ ...DEFAULT_PARAMS, ...p });
  return (o.delay ? `-tau${o.delay.A}to${o.delay.B}` : '') + (o.length !== undefined ? `-len${o.length}` : '');
}

export function cacheKey(p: CacheKeyParams, steps: number, epochs: number): string {
  return `${p.task}-${p.model}-n${p.n}-leak${p.leak}-seed${p.seed}${taskOptionsKey(p)}-p${steps}x${epochs}`;
}

/**
 * The file's path under public/ (and the build's base URL), or null when these settings are not shipped. Only
 * these inputs of pretraining are in the key: the arms (readout-only among them) start from the weights
 * and do not change them.
 */
export function cachePath(p: CacheKeyParams, steps: number, epochs: number): string | null {
  const hit = CACHED_SETTINGS.some((c) => cacheKey(c, steps, epochs) === cacheKey(p, steps, epochs));
  return hit ? `pretrained/${cacheKey(p, steps, epochs)}.json` : null;
}

function toBase64(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

function fromBase64(s: string): Float32Array {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export function encodePretrained(key: string, s: PretrainedState): string {
  return JSON.stringify({ key, theta: toBase64(s.theta), readout: toBase64(s.readout), hEnd: toBase64(s.hEnd), epochLoss: s.epochLoss }) + '\n';
}

/** The state in a shipped file, or null when the file is not for `key` or is malformed. */
export function decodePretrained(key: string, json: unknown): PretrainedState | null {
  const o = json as { key?: unknown; theta?: unknown; readout?: unknown; hEnd?: unknown; epochLoss?: unknown } | null;
  if (!o || o.key !== key || typeof o.theta !== 'string' || typeof o.readout !== 'string' || typeof o.hEnd !== 'string' || !Array.isArray(o.epochLoss))
    return null;
  try {
    return { theta: fromBase64(o.theta), readout: fromBase64(o.readout), hEnd: fromBase64(o.hEnd), epochLoss: o.epochLoss.map(Number) };
  } catch {
    return null;
  }
}
