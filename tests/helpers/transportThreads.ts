/**
 * The WebAssembly transport's worker threads in tests: one job on one thread and then on two, and the
 * defaults put back after a file (auto backend, one thread, no workers) so the next file starts as a run does.
 */
import { afterAll, expect } from 'vitest';
import { setTransportBackend, setTransportThreads, startTransportThreads, stopTransportThreads, transportBackendInfo } from '../../src/engine/transport';

/** Registers the file's afterAll that stops the workers and restores the backend and thread defaults. */
export function restoreTransportAfterAll(): void {
  afterAll(() => {
    setTransportBackend('auto');
    setTransportThreads(1);
    stopTransportThreads();
  });
}

/** `job(threads)` on one thread, then again with the workers started on two (asserted): both results. */
export async function onOneThreadThenTwo<T>(job: (threads: 1 | 2) => T): Promise<{ one: T; two: T }> {
  setTransportThreads(1);
  const one = job(1);
  expect((await startTransportThreads(2)).threads).toBe(2);
  const two = job(2);
  expect(transportBackendInfo().threads).toBe(2);
  return { one, two };
}
