/**
 * The command that measures the live settings over five seeds, per model: the RNN and the LSTM take n, k,
 * the selection, the leak and the task's own options; the transformer takes its head fractions (dense,
 * ρ = 1, is its reference) and none of those (the CLI refuses them). The live transformer is the CLI's
 * default one (d = 32, 4 heads, one layer, window 32), so its shape needs no options.
 */
import type { LabParams } from '../contract';

/** Run lengths of the command: the lab's own by default; the test that runs every printed command shrinks them. */
export interface CliSizes {
  adapt?: number;
  seeds?: number;
  /** pretraining steps (default: the CLI's own) */
  pretrain?: number;
}

/** The CLI's options for these settings, one string per argument. */
export function cliArgs(p: LabParams, sizes: CliSizes = {}): string[] {
  const seeds = sizes.seeds ?? 5;
  const run = [
    '--optimizer',
    p.optimizer,
    '--lr',
    String(p.lr),
    '--adapt',
    String(sizes.adapt ?? p.adapt),
    ...(sizes.pretrain ? ['--pretrain', String(sizes.pretrain)] : []),
    '--seeds',
    String(seeds),
  ];
  if (p.model === 'transformer') {
    const fractions = [...new Set([1, p.headFraction])].join(',');
    return ['--task', p.task, '--model', 'transformer', '--head-fraction', fractions, ...(p.refresh > 0 ? ['--refresh', String(p.refresh)] : []), ...run];
  }
  const task =
    p.task === 'delay' ? ['--delay', `${p.delayA}:${p.delayB}`] : p.task === 'adding' || p.task === 'adding-difference' ? ['--length', String(p.length)] : [];
  const ks = [...new Set([0, p.k])].join(',');
  const selection = [...(p.refresh > 0 ? ['--refresh', String(p.refresh)] : []), ...(p.rescale ? ['--rescale'] : [])];
  return [
    '--task',
    p.task,
    ...task,
    '--model',
    p.model,
    '--n',
    String(p.n),
    '--k',
    ks,
    '--strategy',
    p.strategy,
    ...selection,
    '--leak',
    String(p.leak),
    ...run,
  ];
}

/** "npm run experiment -- --task sine --model rnn --n 64 …": what the end summary prints. */
export function cliCommand(p: LabParams, sizes: CliSizes = {}): string {
  return `npm run experiment -- ${cliArgs(p, sizes).join(' ')}`;
}
