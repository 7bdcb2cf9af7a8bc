/**
 * Backend honesty without noise: the badge names the engine and carries the details (adapter, why the
 * CPU runs) in its tooltip; a notice appears only when something is wrong (an error, WebGPU asked for
 * and not given, a link with problems, a size limit) and lists at most NOTICE_CAP problems.
 */
import { linkNoticeText } from '../app/page/linkNotice';
import { useLab } from '../app/page/store';
import { usePresenter } from './presenterLayout';

export function BackendBadge() {
  const engine = useLab((s) => s.engine);
  const webgpu = useLab((s) => s.webgpu);
  const engineNote = useLab((s) => s.engineNote);
  const cpuKernel = useLab((s) => s.cpuKernel);
  const gpu = useLab((s) => s.gpuInfo);
  const adapter = webgpu?.available ? webgpu.adapter : null;
  const onGpu = engine !== 'CPU' && gpu !== null;
  const details = [
    `Steps run on the ${engine} engine${engine === 'CPU' && cpuKernel ? ` (${cpuKernel})` : ''}.`,
    onGpu
      ? `Adapter: ${gpu.adapter}${gpu.software ? ', a software adapter (a CPU rasteriser, not a GPU: the CPU engine is faster here)' : ''}.`
      : adapter
        ? `WebGPU adapter found: ${adapter}.`
        : webgpu === null
          ? 'Checking WebGPU…'
          : `WebGPU is unavailable: ${webgpu.available ? '' : webgpu.reason}. The CPU engine runs the same math.`,
    // sparseVariant.ts's sentence: which sparse transport kernel this adapter gets, and why
    onGpu ? `${gpu.sparseTransport.charAt(0).toUpperCase()}${gpu.sparseTransport.slice(1)}.` : '',
    onGpu
      ? `Kernel timing: ${gpu.timingSource === 'timestamp-query' ? 'timestamp queries, per kernel' : 'submit-to-done per step (this adapter has no timestamp queries)'}.`
      : '',
    engineNote ? `Why the CPU: ${engineNote}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div
      className="badge"
      data-testid="backend-badge"
      data-engine={engine}
      data-software={onGpu ? String(gpu.software) : undefined}
      data-sparse-transport={onGpu ? gpu.sparseTransport : undefined}
      title={details}
    >
      <strong>{engine === 'CPU' ? 'CPU' : 'GPU'}</strong>
      <span>{engine !== 'CPU' ? engine.replace('WebGPU · ', '') : adapter ? 'WebGPU available' : webgpu === null ? 'checking WebGPU…' : 'no WebGPU'}</span>
      <span className="visually-hidden">{details}</span>
    </div>
  );
}

export function Notices() {
  const webgpu = useLab((s) => s.webgpu);
  const engineNote = useLab((s) => s.engineNote);
  const backend = useLab((s) => s.params.backend);
  const ignored = useLab((s) => s.ignoredFields);
  const cpuNotes = useLab((s) => s.cpuNotes);
  const error = useLab((s) => s.error);
  const presenter = usePresenter();
  // Backend details are the badge's; a notice only when the user asked for the GPU and did not get it.
  const gpuRefused = backend === 'gpu' && (engineNote !== null || (webgpu !== null && !webgpu.available));
  return (
    <div className="notices" aria-live="polite">
      {error && (
        <div className="notice error" role="alert" data-testid="error-notice">
          {error}
        </div>
      )}
      {!presenter && gpuRefused && (
        <div className="notice warn" data-testid={webgpu && !webgpu.available ? 'no-webgpu-banner' : 'engine-fallback-note'}>
          {webgpu && !webgpu.available
            ? `WebGPU is unavailable: ${webgpu.reason}. The lab runs on the CPU engine instead, with the same math.`
            : `Steps run on the CPU engine: ${engineNote}.`}
        </div>
      )}
      {!presenter &&
        cpuNotes.map((note) => (
          <div className="notice info" key={note} data-testid="cpu-cap-note">
            {note}
          </div>
        ))}
      {/* shown in presenter mode too: the room must know the link did not give what it asked for */}
      {ignored.length > 0 && (
        <div className="notice warn" data-testid="ignored-link-notice">
          Parts of the link were ignored and set to their defaults: {linkNoticeText(ignored)}.
        </div>
      )}
    </div>
  );
}
