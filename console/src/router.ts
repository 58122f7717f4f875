import { useEffect, useState } from 'react';

/** The address's hash route (`#/profiles/u1` → ['profiles', 'u1']): the static site needs no server-side fallback. */
export const currentRoute = (): string[] => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);

/** The hash route, updated as it changes. */
export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
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
