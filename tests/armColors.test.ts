/**
 * The arms' colours and dashes: every arm its own colour and dash rhythm; the five arms of every run
 * pairwise ΔE ≥ 40 and every baseline ΔE ≥ 20 from every other arm, under normal vision and simulated
 * deuteranopia, protanopia and tritanopia (Machado, Oliveira & Fernandes 2009, severity 1), measured as
 * CIE76 ΔE in CIELAB; every colour at least 3:1 against white.
 */
import { describe, expect, it } from 'vitest';
import { ARM_COLORS, ARM_DASHES } from '../src/ui/armColors';
import type { ArmId } from '../src/app/worker/liveEngine';

const DEUTERANOPIA = [
  [0.367322, 0.860646, -0.227968],
  [0.280085, 0.672501, 0.047413],
  [-0.01182, 0.04294, 0.968881],
];
const PROTANOPIA = [
  [0.152286, 1.052583, -0.204868],
  [0.114503, 0.786281, 0.099216],
  [-0.003882, -0.048116, 1.051998],
];
const TRITANOPIA = [
  [1.255528, -0.076749, -0.178779],
  [-0.078411, 0.930809, 0.147602],
  [0.004733, 0.691367, 0.3039],
];
const VISIONS: [string, number[][] | null][] = [
  ['normal vision', null],
  ['deuteranopia', DEUTERANOPIA],
  ['protanopia', PROTANOPIA],
  ['tritanopia', TRITANOPIA],
];
const CORE: ArmId[] = ['frozen', 'full', 'k0', 'k', 'readout'];

/** WCAG contrast ratio of a colour against white. */
function contrastOnWhite(hex: string): number {
  const [r, g, b] = linear(hex);
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const linear = (hex: string) => [1, 3, 5].map((i) => toLinear(parseInt(hex.slice(i, i + 2), 16) / 255));

function lab(rgb: number[]): number[] {
  const [r, g, b] = rgb.map((v) => Math.min(1, Math.max(0, v)));
  const X = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const Y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const Z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}

function seen(hex: string, m: number[][] | null): number[] {
  const l = linear(hex);
  return lab(m ? m.map((row) => row[0] * l[0] + row[1] * l[1] + row[2] * l[2]) : l);
}

const deltaE = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

describe('arm colours', () => {
  const ids = Object.keys(ARM_COLORS) as ArmId[];

  it('one colour and one dash rhythm per arm, every arm listed', () => {
    expect(new Set(ids.map((id) => ARM_COLORS[id])).size).toBe(ids.length);
    expect(new Set(ids.map((id) => ARM_DASHES[id].join(' '))).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([...CORE, 'uoro', 'kf', 'snap1', 'tbptt']));
  });

  it('the five arms of every run stay ΔE ≥ 40 apart under normal vision and three colour-vision deficiencies', () => {
    for (const [vision, m] of VISIONS) {
      for (const a of CORE) {
        for (const b of CORE) {
          if (a < b) expect(deltaE(seen(ARM_COLORS[a], m), seen(ARM_COLORS[b], m)), `${a} vs ${b}, ${vision}`).toBeGreaterThanOrEqual(40);
        }
      }
    }
  });

  it('each baseline stays ΔE ≥ 20 from every other arm under all four visions', () => {
    for (const [vision, m] of VISIONS) {
      for (const a of ids.filter((id) => !CORE.includes(id))) {
        for (const b of ids) {
          if (a !== b) expect(deltaE(seen(ARM_COLORS[a], m), seen(ARM_COLORS[b], m)), `${a} vs ${b}, ${vision}`).toBeGreaterThanOrEqual(20);
        }
      }
    }
  });

  it('every colour reads on white (contrast ≥ 3:1, lines on a projector)', () => {
    for (const id of ids) expect(contrastOnWhite(ARM_COLORS[id]), id).toBeGreaterThanOrEqual(3);
  });
});
