/**
 * Entry point: read the link, start the engine worker, pace it with animation frames, and render.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { onVisibility, restart, setPresenter, stepOnce, tick, togglePlay, writeHash } from '../app/controller';
import { decodeHash } from '../app/labParams';
import { useLab } from '../app/store';
import { probeWebGpu } from '../app/webgpuProbe';
import { isClaimPreset } from '../claims/livePresets';
import { App } from './App';
import './styles.css';

const { params, view, ignored } = decodeHash(location.hash);
if (view.claim && !isClaimPreset(view.claim)) {
  ignored.push(`claim=${view.claim} (no such claim)`);
  view.claim = null;
}
useLab.setState({ params, ignoredFields: ignored, presenter: view.present, claim: view.claim });
writeHash(params);
restart();
void probeWebGpu().then((webgpu) => useLab.setState({ webgpu }));

const loop = () => {
  tick();
  requestAnimationFrame(loop);
};
requestAnimationFrame(loop);

document.addEventListener('visibilitychange', () => onVisibility(document.hidden));
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && useLab.getState().presenter && !document.querySelector('.formula-card')) {
    setPresenter(false);
    return;
  }
  const target = e.target as HTMLElement | null;
  if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
  // Space and Enter on a focused button, link or drawer press that control, as everywhere else
  if (target && target.closest('button, a, summary, [role=button], [tabindex]:not(body)')) return;
  if (e.metaKey || e.ctrlKey || e.altKey) return;
  if (e.key === ' ') {
    e.preventDefault();
    togglePlay();
  } else if (e.key === 'ArrowRight') {
    stepOnce();
  } else if (e.key === 'r' || e.key === 'R') {
    restart();
  }
});
// A link pasted into the same tab: read it again, as a fresh page would.
window.addEventListener('hashchange', () => {
  const next = decodeHash(location.hash);
  const current = useLab.getState().params;
  if (next.view.present !== useLab.getState().presenter) useLab.setState({ presenter: next.view.present, claim: next.view.claim });
  if (JSON.stringify(next.params) === JSON.stringify(current)) return;
  useLab.setState({ params: next.params, ignoredFields: next.ignored, presenter: next.view.present, claim: next.view.claim });
  writeHash(next.params);
  restart();
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
