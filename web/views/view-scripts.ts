// The views that are scripts of their own, fetched when first shown: main.ts starts the URL's
// one beside the page's script, page.ts mounts it. One table, so a view is never fetched early
// by one and late by the other.
export const VIEW_SCRIPTS = {
  overview: () => import('./overview.ts'),
  container: () => import('./container.ts'),
  alerts: () => import('./alerts.ts'),
};
