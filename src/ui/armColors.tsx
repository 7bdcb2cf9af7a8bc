/**
 * One colour and one dash pattern per arm, shared by every panel. The five arms of every run (frozen, full
 * RTRL, k = 0, k, readout-only) are at least ΔE 40 apart (CIE76) pairwise under normal vision and simulated
 * deuteranopia, protanopia and tritanopia, and each has at least 3:1 contrast on white for a projector
 * (tests/armColors.test.ts measures both). The Okabe–Ito palette alone cannot do that: under tritanopia its
 * green and sky blue fall within ΔE 25 of each other. The colours were found by a search over a 9-level
 * sRGB grid that maximises the smallest distance, with frozen fixed to black and full RTRL to Okabe–Ito's
 * blue. The baselines a user may add (at most three at a time) are at least ΔE 20 from every other arm;
 * eight colours pairwise ΔE 40 apart under all four visions do not exist on that grid (the best found: 33),
 * so their dash rhythms, all different, carry the rest.
 */
import type { ArmId } from '../app/contract';

export const ARM_COLORS: Record<ArmId, string> = {
  frozen: '#000000',
  full: '#0072b2',
  k0: '#ff4400',
  k: '#8800ff',
  readout: '#aa6666',
  uoro: '#444400',
  kf: '#000088',
  snap1: '#660066',
  tbptt: '#aa88aa',
};

/** Canvas/SVG dash arrays (px); empty: solid. */
export const ARM_DASHES: Record<ArmId, number[]> = {
  frozen: [2, 4],
  full: [],
  k0: [10, 5],
  k: [6, 3, 2, 3],
  // a long dash and two dots: none of the others' rhythms
  readout: [12, 3, 2, 3, 2, 3],
  uoro: [4, 2],
  kf: [16, 4],
  snap1: [8, 2, 8, 6],
  tbptt: [3, 3, 3, 8],
};

/** A small SVG line sample in the arm's colour and dash, for legends and captions. */
export function ArmSwatch({ id }: { id: ArmId }) {
  return (
    <svg className="line-swatch" width="28" height="10" viewBox="0 0 28 10" aria-hidden="true">
      <line x1="1" x2="27" y1="5" y2="5" stroke={ARM_COLORS[id]} strokeWidth="3" strokeDasharray={ARM_DASHES[id].join(' ') || undefined} />
    </svg>
  );
}
