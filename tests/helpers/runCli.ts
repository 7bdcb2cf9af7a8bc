import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx src/cli/experiment.ts ...args`, asynchronous so several cases run side by side. */
export function runExperimentCli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/experiment.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} timed out`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Bad command lines, keyed by what each one's error line must name: `'--task delay --delay 0:6'` is split at
 * its spaces; an argument that is empty or holds a space goes in an array of its own words instead.
 */
export function rejectionCases(byNamed: Record<string, readonly (string | readonly string[])[]>): [string[], string][] {
  return Object.entries(byNamed).flatMap(([named, lines]) =>
    lines.map((line): [string[], string] => [typeof line === 'string' ? line.split(' ') : [...line], named]),
  );
}

/** One test per bad command line: exit code 2 and a one-line message on stderr that names the option. */
export function itRejectsEach(cases: readonly (readonly [string[], string])[], results: readonly Promise<CliResult>[]): void {
  cases.forEach(([args, option], i) => {
    it(`${args.join(' ')}: exit 2, one line naming ${option}`, async () => {
      const r = await results[i];
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(option);
    });
  });
}

/** A finished run's JSON, after checking it exited 0 (stderr shown when it did not). */
export async function runExperimentJson(result: Promise<CliResult>): Promise<any> {
  const r = await result;
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}
