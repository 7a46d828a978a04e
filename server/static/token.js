// The personal link's token: read from the fragment `#t=…` (a fragment is never sent to
// the server), then wiped from the address bar and kept in sessionStorage for a reload.

/** The token from the link (stored, and removed from the address bar), else the stored one, else null. */
export function takeToken(key) {
  // Read t= by hand: URLSearchParams would turn a "+" in a token into a space.
  const found = location.hash.match(/[#&]t=([^&]*)/);
  let fromLink = null;
  try {
    fromLink = found ? decodeURIComponent(found[1]) : null;
  } catch (_) {
    fromLink = found[1];
  }
  if (fromLink) {
    storeToken(key, fromLink);
    history.replaceState(null, "", location.pathname + location.search);
    return fromLink;
  }
  try {
    return sessionStorage.getItem(key);
  } catch (_) {
    return null;
  }
}

export function storeToken(key, token) {
  try {
    sessionStorage.setItem(key, token);
  } catch (_) {
    // Storage blocked: the token lives in memory for this page.
  }
}

export function forgetToken(key) {
  try {
    sessionStorage.removeItem(key);
  } catch (_) {
    // nothing stored
  }
}
