/**
 * The contract between the page and the workers: every type and constant both sides need, and nothing
 * that runs the engine. The page (src/app/page, src/ui) imports engine and worker code through here only
 * (eslint.config.js says so; tests/build/entryChunk.test.ts checks the built entry chunk).
 *
 * Engine constants are re-exported from small engine modules with no heavy imports (statistics.ts,
 * frontier.ts, bounds.ts, the cost model), not re-declared: the engine may not import the app, and one
 * definition cannot drift. The app's own constants (the lead-in, the arms' roles, the jobs') live here and
 * the workers import them from here.
 */
export * from '../labParams';
export * from './cpuLimits';
export * from './csv';
export * from './jobs';
export * from './live';
export * from './pretrained';
// the words and thresholds of recovery, the engine's (statistics.ts: only Rng beside it)
export { ABOVE_REFERENCE_NOTE, MIN_REFERENCE_IMPROVEMENT, NO_TRANSPORT_NEEDED } from '../../engine/statistics';
export * from './reference';
