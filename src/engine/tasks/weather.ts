/**
 * Weather, a recorded task: Seattle's hourly climate normals 1981-2010 (NOAA NCEI; a U.S. Government work,
 * public domain; copied from vega-datasets into data/weather.ts). Predict the temperature WEATHER_HORIZON
 * hours ahead from this hour's pressure, temperature and wind.
 * Regime A (pretraining): winter, December to February, streamed December first (the normals are one
 * climatological year, so December 31 leads into January 1; the file has no Jan 1 00:00, a two-hour step).
 * Regime B (the drift): summer, June to August. Every column is z-scored with winter's mean and std only
 * (series.ts), so summer arrives as warmer, with a wider daily swing, in winter's units. A seed picks each
 * regime's starting hour; a regime wraps to its first hour with a reset when the steps outrun it.
 */
import type { Rng } from '../rng';
import { WEATHER_COLUMNS, WEATHER_FIRST_HOUR_OF_YEAR, WEATHER_ROWS, WEATHER_TENTHS_BASE64 } from './data/weather';
import { createSeriesTask, type RowRanges, type SeriesTable } from './series';
import type { Task } from './task';

/** Hours between the inputs and the target [choice]: a quarter of the daily cycle, so its phase matters. */
export const WEATHER_HORIZON = 6;

/** Days before the first of each month in the normals' (non-leap) year. */
const MONTH_START_DAY = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
/** The row of 00:00 on the first day of `month` (1-12; 13 is the end of the year). */
const monthStartRow = (month: number) => Math.max(0, MONTH_START_DAY[month - 1] * 24 - WEATHER_FIRST_HOUR_OF_YEAR);

/** Winter (December, then January and February) and summer (June to August), as row ranges in stream order. */
export const WEATHER_REGIMES: Readonly<{ A: RowRanges; B: RowRanges }> = {
  A: [
    [monthStartRow(12), WEATHER_ROWS],
    [0, monthStartRow(3)],
  ],
  B: [[monthStartRow(6), monthStartRow(9)]],
};

let decoded: Float64Array | null = null;

/** The normals as numbers: WEATHER_ROWS × (pressure hPa, temperature °C, wind m/s), row-major. */
export function weatherValues(): Float64Array {
  if (decoded) return decoded;
  const binary = atob(WEATHER_TENTHS_BASE64);
  const bytes = new DataView(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)).buffer);
  const values = new Float64Array(binary.length / 2);
  for (let i = 0; i < values.length; i++) values[i] = bytes.getInt16(i * 2, true) / 10;
  decoded = values;
  return values;
}

export function weatherTable(): SeriesTable {
  return {
    names: WEATHER_COLUMNS,
    values: weatherValues(),
    rows: WEATHER_ROWS,
    inputs: [0, 1, 2],
    target: WEATHER_COLUMNS.indexOf('temperature'),
    horizon: WEATHER_HORIZON,
    regimes: WEATHER_REGIMES,
  };
}

export function createWeatherTask(rng: Rng): Task {
  return createSeriesTask(
    weatherTable(),
    {
      name: 'weather',
      description: `Seattle hourly climate normals (NOAA, public domain): temperature ${WEATHER_HORIZON} h ahead from pressure, temperature, wind; winter Dec-Feb (A) -> summer Jun-Aug (B); z-scored on winter; a seed picks each regime's starting hour, wrapping with a reset`,
    },
    rng,
  );
}
