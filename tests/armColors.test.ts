/**
 * The arms' colours and dashes: every arm its own Okabe–Ito colour and dash rhythm, and readout-only's
 * colour apart from every other arm's also under simulated deuteranopia and protanopia (Machado, Oliveira
 * & Fernandes 2009, severity 1), measured as CIE76 ΔE in CIELAB.
 */
import { describe, expect, it } from 'vitest';
import { ARM_COLORS, ARM_DASHES } from '../src/ui/armColors';
import type { ArmId } from '../src/app/worker/liveEngine';

const OKABE_ITO = ['#000000', '#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7'];
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

  it('one colour and one dash rhythm per arm; readout-only is not frozen’s grey', () => {
    expect(new Set(ids.map((id) => ARM_COLORS[id])).size).toBe(ids.length);
    expect(new Set(ids.map((id) => ARM_DASHES[id].join(' '))).size).toBe(ids.length);
    expect(ARM_COLORS.readout).not.toBe(ARM_COLORS.frozen);
    expect(OKABE_ITO).toContain(ARM_COLORS.readout);
  });

  it('readout-only stays apart from every other arm under normal vision, deuteranopia and protanopia', () => {
    for (const m of [null, DEUTERANOPIA, PROTANOPIA]) {
      for (const id of ids) {
        if (id === 'readout') continue;
        expect(deltaE(seen(ARM_COLORS.readout, m), seen(ARM_COLORS[id], m)), `readout vs ${id}`).toBeGreaterThan(20);
      }
    }
  });
});
