/**
 * CO₂, a recorded task: monthly mean CO₂ at Mauna Loa (Scripps CO2 Program, CC BY 4.0; copied from
 * vega-datasets into data/co2.ts), May 1964 to April 2020. The series is detrended by differencing
 * [choice: the level climbs out of any range fitted on the past, the monthly change does not]:
 * x_t = c_t − c_{t−1}, the change into month t in ppm; the target is next month's change, c_{t+1} − c_t.
 * The change swings with the seasons (plants draw CO₂ down in the northern summer), so the last months say
 * where in the cycle the stream is.
 * Regime A (pretraining): June 1964 to December 1989. Regime B (the drift): January 1990 to April 2020, when
 * the trend is steeper (about 2 ppm a year against 1.3) and the seasonal swing wider. z-scored with regime
 * A's mean and std only (series.ts). A seed picks each regime's starting month; a regime wraps to its first
 * month with a reset when the steps outrun it (A has 307 months, B 364: pretraining passes over A many times).
 */
import type { Rng } from '../rng';
import { CO2_FIRST_MONTH, CO2_PPM } from './data/co2';
import { createSeriesTask, type SeriesTable } from './series';
import type { Task } from './task';

/** The first month of regime B [choice]: the last three decades against the first two and a half. */
export const CO2_DRIFT_MONTH = { year: 1990, month: 1 } as const;

/** The month-on-month changes: changes[i] = CO2_PPM[i + 1] − CO2_PPM[i], the change into month i + 1. */
export function co2Changes(): Float64Array {
  return Float64Array.from({ length: CO2_PPM.length - 1 }, (_, i) => CO2_PPM[i + 1] - CO2_PPM[i]);
}

export function co2Table(): SeriesTable {
  const values = co2Changes();
  // change i is the change into month i + 1 of the record, so regime B's first change is into CO2_DRIFT_MONTH
  const driftMonth = (CO2_DRIFT_MONTH.year - CO2_FIRST_MONTH.year) * 12 + (CO2_DRIFT_MONTH.month - CO2_FIRST_MONTH.month);
  const drift = driftMonth - 1;
  return {
    names: ['co2 change'],
    values,
    rows: values.length,
    inputs: [0],
    target: 0,
    horizon: 1,
    regimes: { A: [[0, drift]], B: [[drift, values.length]] },
  };
}

export function createCo2Task(rng: Rng): Task {
  return createSeriesTask(
    co2Table(),
    {
      name: 'co2',
      description:
        "Mauna Loa monthly CO2 (Scripps CO2 Program, CC BY 4.0): next month's change from this month's (differenced); 1964-1989 (A) -> 1990-2020 (B); z-scored on A; a seed picks each regime's starting month, wrapping with a reset",
    },
    rng,
  );
}
