/**
 * The frame the analysis charts share: an SVG that scales with its panel and reads to a screen reader as
 * one image with a text summary, and the two axis titles (x centred under the plot, y turned along the
 * left edge). Each chart draws its own ticks and marks inside.
 */
import type { ReactNode } from 'react';

export interface ChartMargin {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** `data-*` attributes the end-to-end tests read (a chart's test id, its point count). */
type DataAttributes = { [name: `data-${string}`]: string | number | boolean | undefined };

/** A chart's SVG, `width` × `height` in its own units, read as an image described by `summary`. */
export function ChartSvg({
  width,
  height,
  summary,
  children,
  ...data
}: { width: number; height: number; summary: string; children: ReactNode } & DataAttributes) {
  return (
    <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} style={{ fontFamily: 'system-ui, sans-serif' }} {...data}>
      {children}
    </svg>
  );
}

/**
 * The axis titles of a plot that spans `margin.left` to `width − margin.right` and `margin.top` to
 * `plotBottom`: the x title at height `xTitleY`, the y title at `yTitleX` from the left edge.
 */
export function AxisTitles({
  width,
  margin,
  plotBottom,
  xTitleY,
  yTitleX = 12,
  x,
  y,
}: {
  width: number;
  margin: Omit<ChartMargin, 'bottom'>;
  plotBottom: number;
  xTitleY: number;
  yTitleX?: number;
  x: ReactNode;
  y: ReactNode;
}) {
  return (
    <>
      <text x={(margin.left + width - margin.right) / 2} y={xTitleY} textAnchor="middle" fontSize="11">
        {x}
      </text>
      <text transform={`translate(${yTitleX} ${(margin.top + plotBottom) / 2}) rotate(-90)`} textAnchor="middle" fontSize="11">
        {y}
      </text>
    </>
  );
}
