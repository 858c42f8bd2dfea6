// The service worker makes the app open offline; it is skipped on `trunk serve`'s
// live-reload builds (`?no-sw`), where cached assets would hide changes.
if ('serviceWorker' in navigator && !location.search.includes('no-sw')) {
  window.addEventListener('load', () => navigator.serviceWorker.register('sw.js'));
}
// Anything the Content Security Policy blocks is a part of the app that did not run:
// kept for this tab, across reloads, where the end-to-end tests (and a curious user's
// console) can see it.
document.addEventListener('securitypolicyviolation', (e) => {
  const blocked = JSON.parse(sessionStorage.getItem('lightdeck.blocked') || '[]');
  blocked.push(e.effectiveDirective + ' ' + (e.blockedURI || 'inline'));
  sessionStorage.setItem('lightdeck.blocked', JSON.stringify(blocked.slice(-20)));
});
