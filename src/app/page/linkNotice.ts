/**
 * The link-problems notice in one line: the first few problems, then how many more. The link's decoder
 * folds a flood of unknown keys into one entry ("4995 more unknown settings"), which counts as that many
 * problems, not one.
 */
import { NOTICE_CAP } from '../contract';

const FOLDED = /^(\d+) more unknown settings?$/;

export function linkNoticeText(problems: readonly string[], cap = NOTICE_CAP): string {
  let folded = 0;
  const listed: string[] = [];
  for (const p of problems) {
    const m = FOLDED.exec(p);
    if (m) folded += Number(m[1]);
    else listed.push(p);
  }
  const shown = listed.slice(0, cap);
  const more = listed.length - shown.length + folded;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}
