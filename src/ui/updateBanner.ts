/**
 * "A new version is ready — reload": shown when a new deploy's service worker has installed and waits.
 * Plain DOM, so it works before (and without) the React page; one banner at most.
 */
export function showUpdateBanner(apply: () => void): void {
  if (document.querySelector('[data-testid=update-banner]')) return;
  const banner = document.createElement('div');
  banner.setAttribute('role', 'status');
  banner.dataset.testid = 'update-banner';
  Object.assign(banner.style, {
    position: 'fixed',
    left: '50%',
    bottom: '1rem',
    transform: 'translateX(-50%)',
    zIndex: '1000',
    display: 'flex',
    gap: '0.75rem',
    alignItems: 'center',
    padding: '0.5rem 0.75rem',
    background: 'var(--ink, #1a1c20)',
    color: '#fff',
    borderRadius: '6px',
    boxShadow: '0 2px 8px rgba(0, 0, 0, 0.25)',
    font: 'inherit',
  });
  const text = document.createElement('span');
  text.textContent = 'A new version is ready —';
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.textContent = 'reload';
  reload.addEventListener('click', () => {
    reload.disabled = true;
    apply();
  });
  const later = document.createElement('button');
  later.type = 'button';
  later.textContent = 'later';
  later.setAttribute('aria-label', 'Dismiss: keep this version until the next visit');
  later.addEventListener('click', () => banner.remove());
  banner.append(text, reload, later);
  document.body.append(banner);
}
