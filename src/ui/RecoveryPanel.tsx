/**
 * Recovery as a function of k: the points fill in as the sweep's seeds finish, mean ± std over the seeds
 * done. The axis is categorical (0, 1, 2, 4, …, n) so k = 0 sits beside k = 1 and the step between them,
 * when there is one, is plain to see.
 */
import { scaleLinear, scalePoint } from 'd3';
import { ABOVE_EXACT, FULL_ADAPT_THRESHOLD, UNDEFINED_RECOVERY } from '../app/page/recoveryReading';
import { useLab } from '../app/page/store';
import { HEAD_SWEEP_FRACTIONS } from '../app/contract';
import { cancelSweep, estimateNote, startSweep, useSweep } from '../app/page/sweepController';
import { ARM_COLORS } from './armColors';
import { AxisTitles, ChartSvg } from './ChartFrame';
import { FormulaCard } from './FormulaCard';
import { JobProgressLine, JobStartLine, noPointsYet } from './JobProgress';

const W = 560;
const H = 260;
const M = { left: 52, right: 14, top: 14, bottom: 40 };

function stats(values: number[]): { mean: number; std: number; count: number } {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { mean: NaN, std: NaN, count: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, count: v.length };
}

export function RecoveryPanel() {
  const stored = useSweep();
  // re-render on settings changes so the estimate follows them
  const transformer = useLab((s) => s.params.model === 'transformer');
  // a sweep of the other kind of model is not shown here (its x axis is k or n, not ρ, or the reverse)
  const stale = transformer !== (stored.mode === 'heads');
  const sweep = stale
    ? {
        ...stored,
        status: 'idle' as const,
        mode: transformer ? ('heads' as const) : ('k' as const),
        ks: transformer ? [...HEAD_SWEEP_FRACTIONS] : [],
        recovery: [],
        fullImprovement: [],
      }
    : stored;
  // a seed whose full RTRL did not adapt has no recovery (its denominator is noise): it is left out
  const defined = (i: number) => (sweep.recovery[i] ?? []).filter((_, s) => (sweep.fullImprovement[i]?.[s] ?? 1) >= FULL_ADAPT_THRESHOLD);
  const points = sweep.ks.map((k, i) => ({ k, ...stats(defined(i)) }));
  const undefinedSeeds = sweep.fullImprovement.reduce((c, v) => Math.max(c, v.filter((x) => !(x >= FULL_ADAPT_THRESHOLD)).length), 0);
  const improvements = (sweep.fullImprovement[0] ?? []).filter(Number.isFinite);
  const above = points.some((p) => p.mean > 100.5 && p.k !== sweep.ks.at(-1));
  const xName = sweep.mode === 'k' ? 'k' : sweep.mode === 'heads' ? 'ρ' : 'n';
  const finite = points.filter((p) => Number.isFinite(p.mean));
  const lo = Math.min(0, ...finite.map((p) => p.mean - p.std));
  const hi = Math.max(110, ...finite.map((p) => p.mean + p.std));
  const x = scalePoint<string>()
    .domain(sweep.ks.map(String))
    .range([M.left, W - M.right])
    .padding(0.5);
  const y = scaleLinear()
    .domain([lo, hi])
    .range([H - M.bottom, M.top])
    .nice();
  const summary = finite.length
    ? `Recovery by ${xName} after ${sweep.stepsDone} of ${sweep.stepsTotal} steps: ${finite.map((p) => `${xName}=${p.k}: ${p.mean.toFixed(0)} %`).join(', ')}.`
    : noPointsYet('Recovery sweep', sweep.status);
  return (
    <section className="panel analysis" aria-labelledby="recovery-title" data-testid="recovery-panel">
      <h2 id="recovery-title">
        Recovery as a function of {sweep.mode === 'heads' ? 'the head fraction ρ (transformer)' : sweep.mode === 'k' ? 'k' : 'n, at fixed k'}
        <FormulaCard label="recovery by k">
          Per seed: recovery<sub>k</sub> vs frozen (the paper’s definition) = (L̄<sub>frozen</sub> − L̄<sub>k</sub>) / (L̄<sub>frozen</sub> − L̄<sub>full</sub>) ×
          100 %, all arms on one stream from one set of pretrained weights. It counts the readout’s own adapting, which every arm shares; the live reading and
          the recovery map also say recovery beyond the readout. Each point: mean ± sample std over the {sweep.recovery[0]?.length ?? 0} seed(s) done
          {finite.length > 0 && <> (now: {finite.map((p) => `${xName} = ${p.k}: ${p.mean.toFixed(0)} ± ${p.std.toFixed(0)} %`).join('; ')})</>}.
        </FormulaCard>
      </h2>
      {transformer ? (
        <JobStartLine starts={[{ label: 'Sweep head fraction', onClick: () => startSweep('heads'), testId: 'run-sweep-heads' }]}>
          {sweep.status === 'idle' || sweep.mode !== 'heads'
            ? `The transformer at ρ = 0, 0.25, 0.5 and dense (ρ = 1, the reference), 3 seeds, on the current task, optimizer and learning rate, in the background.${estimateNote('heads')}`
            : sweep.label}
        </JobStartLine>
      ) : (
        <JobStartLine
          starts={[
            { label: 'Sweep k', onClick: () => startSweep('k'), testId: 'run-sweep' },
            { label: 'Sweep n', onClick: () => startSweep('n'), testId: 'run-sweep-n' },
          ]}
        >
          {sweep.status === 'idle'
            ? `Sweep k: frozen, full RTRL and every k in 0, 1, 2, 4, …, n on the current settings.${estimateNote('k')} Sweep n: the current k at n = 16, 32, 64. Both run in the background.`
            : sweep.label}
        </JobStartLine>
      )}
      <JobProgressLine progress={sweep} onCancel={cancelSweep} testId="sweep-progress" />
      {sweep.status !== 'idle' && sweep.status !== 'refused' && (
        <p className="readout" data-testid="sweep-reference">
          {improvements.length > 0 &&
            `Full RTRL’s own improvement (L̄frozen − L̄full)/L̄frozen: ${improvements.map((v) => `${(100 * v).toFixed(0)} %`).join(', ')} (per seed). `}
          {undefinedSeeds > 0 && `${undefinedSeeds} seed(s): recovery ${UNDEFINED_RECOVERY}, left out. `}
          {above && `Above 100 %: ${ABOVE_EXACT}.`}
        </p>
      )}
      <ChartSvg width={W} height={H} summary={summary} data-testid="recovery-chart" data-points={finite.length}>
        {y.ticks(5).map((t) => (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke={t === 100 || t === 0 ? '#9aa0a8' : '#e1e4e8'} />
            <text x={M.left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle" fontSize="11">
              {t} %
            </text>
          </g>
        ))}
        {sweep.ks.map((k) => (
          <text key={k} x={x(String(k))} y={H - M.bottom + 16} textAnchor="middle" fontSize="11">
            {k}
          </text>
        ))}
        <AxisTitles
          width={W}
          margin={M}
          plotBottom={H - M.bottom}
          xTitleY={H - 6}
          x={sweep.mode === 'k' ? 'kept paths per unit k' : sweep.mode === 'heads' ? 'head fraction ρ (heads per layer passing gradient)' : 'hidden units n'}
          y="recovery vs frozen (paper’s definition)"
        />
        {finite.map((p) => {
          const cx = x(String(p.k))!;
          const color = sweep.mode !== 'n' && p.k === 0 ? ARM_COLORS.k0 : ARM_COLORS.k;
          return (
            <g key={p.k}>
              <line x1={cx} x2={cx} y1={y(p.mean - p.std)} y2={y(p.mean + p.std)} stroke={color} strokeWidth={2} />
              <line x1={cx - 5} x2={cx + 5} y1={y(p.mean - p.std)} y2={y(p.mean - p.std)} stroke={color} strokeWidth={2} />
              <line x1={cx - 5} x2={cx + 5} y1={y(p.mean + p.std)} y2={y(p.mean + p.std)} stroke={color} strokeWidth={2} />
              <circle cx={cx} cy={y(p.mean)} r={5} fill={color} />
            </g>
          );
        })}
      </ChartSvg>
      {sweep.mode === 'heads' ? (
        <p className="caption" data-testid="heads-sweep-caption">
          <span className="swatch" style={{ background: ARM_COLORS.k0 }} /> ρ = 0 (no gradient through any head output) and{' '}
          <span className="swatch" style={{ background: ARM_COLORS.k }} /> ρ &gt; 0, mean ± std over seeds; 100 % is the dense transformer (ρ = 1), 0 % the
          frozen one; the dense arm’s own improvement must reach 5 % for recovery to be defined. Paper: 50 % head sparsity outperforms dense, 33 % is
          borderline.
        </p>
      ) : (
        <p className="caption">
          <span className="swatch" style={{ background: ARM_COLORS.k0 }} /> k = 0 (immediate term only) and{' '}
          <span className="swatch" style={{ background: ARM_COLORS.k }} /> k ≥ 1, mean ± std over seeds; 100 % is full RTRL (k = n), 0 % is the frozen network.
          Paper: a step from about 0 at k = 0 to most of the recovery at k = 1.
        </p>
      )}
    </section>
  );
}
