/**
 * Placeholder page until the live app lands (issue: the app). It says what the tool will be and how to
 * use the engine today, from the command line.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

function ComingSoon() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: '46rem', margin: '3rem auto', padding: '0 1rem', lineHeight: 1.5 }}>
      <h1>Sparse RTRL Lab</h1>
      <p>
        An interactive lab for real-time recurrent learning (RTRL) and its sparse approximations: full RTRL carries the
        sensitivity P<sub>t</sub> = ∂h<sub>t</sub>/∂θ forward at O(n⁴) per step; sparse-k RTRL keeps only k of the n
        incoming transport paths per unit.
      </p>
      <h2>Coming next</h2>
      <ul>
        <li>WGSL compute shaders that run every arm of an experiment on the GPU, checked against the CPU engine.</li>
        <li>Live loss curves of frozen, full RTRL and sparse-k arms after a drift, while you change n, k and the path selection.</li>
        <li>Singular-value spectra of the Jacobian, recovery as a function of k, and one-click presets for each claim of the paper.</li>
      </ul>
      <h2>Today</h2>
      <p>The CPU reference engine runs headless:</p>
      <pre style={{ background: '#f4f4f4', padding: '0.75rem', overflowX: 'auto' }}>
        npm run experiment -- --task sine --n 64 --k 0,1,2,4,8,64 --seeds 5
      </pre>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ComingSoon />
  </StrictMode>,
);
