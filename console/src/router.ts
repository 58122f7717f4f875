import { useEffect, useState } from 'react';

/** Hash routes (`#/profiles/u1` → ['profiles', 'u1']), so the static site needs no server-side fallback. */
export function useRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** The route below the view's own segment (`#/profiles/u1` → ['u1']). */
export const useSubRoute = (): string[] => useRoute().slice(1);

export const go = (...parts: string[]) => {
  window.location.hash = `#/${parts.map(encodeURIComponent).join('/')}`;
};
