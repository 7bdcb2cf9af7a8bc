/**
 * One colour and one dash pattern per arm, shared by every panel. The colours are from the Okabe–Ito
 * palette (distinct under the common colour-vision deficiencies, and on a projector); the dashes keep
 * the arms apart even in greyscale. Readout-only is sky blue: of the palette's free colours it stays
 * farthest from the others under deuteranopia and protanopia (its lightness sets it apart from full
 * RTRL's blue), where vermillion falls onto k = 0's orange and reddish purple onto k's green
 * (tests/armColors.test.ts measures it).
 */
import type { ArmId } from '../app/contract';

export const ARM_COLORS: Record<ArmId, string> = {
  frozen: '#4d4d4d',
  full: '#0072b2',
  k0: '#e69f00',
  k: '#009e73',
  readout: '#56b4e9',
};

/** Canvas/SVG dash arrays (px); empty: solid. */
export const ARM_DASHES: Record<ArmId, number[]> = {
  frozen: [2, 4],
  full: [],
  k0: [10, 5],
  k: [6, 3, 2, 3],
  // a long dash and two dots: none of the others' rhythms
  readout: [12, 3, 2, 3, 2, 3],
};

/** A small SVG line sample in the arm's colour and dash, for legends and captions. */
export function ArmSwatch({ id }: { id: ArmId }) {
  return (
    <svg className="line-swatch" width="28" height="10" viewBox="0 0 28 10" aria-hidden="true">
      <line x1="1" x2="27" y1="5" y2="5" stroke={ARM_COLORS[id]} strokeWidth="3" strokeDasharray={ARM_DASHES[id].join(' ') || undefined} />
    </svg>
  );
}
