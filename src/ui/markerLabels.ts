/** Where live changes pile up on the loss chart (a k dragged through its stops), their labels share one. */
import type { Marker } from '../app/contract';

/**
 * Marker labels that would overprint merged into one: "k = 2 → k = 8" for a run of live changes (the
 * last is what holds), "drift, k = 4" when a change sits on the drift.
 */
export function mergeMarkerLabels(
  markers: readonly Marker[],
  px: (m: Marker) => number,
  textWidth: (text: string) => number,
): { px: number; label: string; drift: boolean }[] {
  const groups: { px: number; end: number; labels: string[]; drift: boolean }[] = [];
  for (const m of [...markers].sort((a, b) => a.step - b.step)) {
    const at = px(m);
    const last = groups.at(-1);
    if (last && at < last.end + 6) {
      last.labels.push(m.label);
      last.drift ||= m.label === 'drift';
      last.end = last.px + textWidth(groupLabel(last.labels)) + 4;
    } else {
      groups.push({ px: at, end: at + textWidth(m.label) + 4, labels: [m.label], drift: m.label === 'drift' });
    }
  }
  return groups.map((g) => ({ px: g.px, label: groupLabel(g.labels), drift: g.drift }));
}

function groupLabel(labels: readonly string[]): string {
  const drift = labels.includes('drift');
  const changes = labels.filter((l) => l !== 'drift');
  const span = changes.length === 0 ? '' : changes.length === 1 ? changes[0] : `${changes[0]} → ${changes[changes.length - 1]}`;
  return drift ? (span ? `drift, ${span}` : 'drift') : span;
}
