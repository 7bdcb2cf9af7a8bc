/** One entry per arm: its colour, name and recovery so far (the paper's measure), or why it has none. */
import { useLab } from '../app/store';
import { ARM_COLORS } from './armColors';

export function Legend() {
  const arms = useLab((s) => s.arms);
  const recovery = useLab((s) => s.recovery);
  const divergedAt = useLab((s) => s.divergedAt);
  return (
    <ul className="legend" aria-label="arms and their recovery so far" data-testid="legend">
      {arms.map((arm, a) => {
        const r = recovery[a];
        const diverged = (divergedAt[a] ?? -1) >= 0;
        return (
          <li key={arm.id}>
            <span className="swatch" style={{ background: ARM_COLORS[arm.id] }} aria-hidden="true" />
            <span className="legend-label">{arm.label}</span>
            <span className="legend-value">
              {diverged ? `diverged at step ${divergedAt[a]}` : r === null || r === undefined || !Number.isFinite(r) ? 'recovery —' : `recovery ${r.toFixed(0)} %`}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
