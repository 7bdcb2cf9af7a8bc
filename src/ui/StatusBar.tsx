/** Backend honesty: which engine computes, what WebGPU offered, and every notice the user should read. */
import { useLab } from '../app/store';

export function BackendBadge() {
  const engine = useLab((s) => s.engine);
  const webgpu = useLab((s) => s.webgpu);
  const adapter = webgpu?.available ? webgpu.adapter : null;
  const title = adapter
    ? `Steps run on the ${engine} engine. WebGPU adapter found: ${adapter}.`
    : `Steps run on the ${engine} engine.`;
  return (
    <div className="badge" data-testid="backend-badge" data-engine={engine} title={title}>
      <strong>{engine === 'CPU' ? 'CPU' : 'GPU'}</strong>
      <span>{engine !== 'CPU' ? engine : adapter ? `WebGPU: ${adapter}` : webgpu === null ? 'checking WebGPU…' : 'no WebGPU'}</span>
    </div>
  );
}

export function Notices() {
  const webgpu = useLab((s) => s.webgpu);
  const engineNote = useLab((s) => s.engineNote);
  const ignored = useLab((s) => s.ignoredFields);
  const cpuNotes = useLab((s) => s.cpuNotes);
  const error = useLab((s) => s.error);
  return (
    <div className="notices" aria-live="polite">
      {error && (
        <div className="notice error" role="alert" data-testid="error-notice">
          {error}
        </div>
      )}
      {webgpu && !webgpu.available && (
        <div className="notice warn" data-testid="no-webgpu-banner">
          WebGPU is unavailable: {webgpu.reason}. The lab runs on the CPU engine instead, with the same math.
        </div>
      )}
      {engineNote && !(webgpu && !webgpu.available) && (
        <div className="notice info" data-testid="engine-fallback-note">
          Steps run on the CPU engine: {engineNote}.
        </div>
      )}
      {cpuNotes.map((note) => (
        <div className="notice info" key={note} data-testid="cpu-cap-note">
          {note}
        </div>
      ))}
      {ignored.length > 0 && (
        <div className="notice warn" data-testid="ignored-link-notice">
          Parts of the link were ignored and set to their defaults: {ignored.join('; ')}.
        </div>
      )}
    </div>
  );
}
