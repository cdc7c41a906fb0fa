/**
 * The path and query of an HTTP request's target, parsed without trusting it: `GET /%`, `GET //[` or a NUL
 * must get a 400, never an exception (an `<img>` on any web page can send them to a loopback port).
 */
export type RequestTarget =
  | { readonly ok: true; readonly segments: readonly string[]; readonly pathname: string; readonly query: URLSearchParams }
  | { readonly ok: false; readonly error: string };

export function parseRequestTarget(raw: string | undefined): RequestTarget {
  const target = raw ?? '/';
  // Origin-form only: a proxy's absolute-form or OPTIONS' `*` is not for this server.
  if (!target.startsWith('/')) return { ok: false, error: 'the request target must be a path starting with "/"' };
  let url: URL;
  try {
    // Appended to a fixed origin rather than resolved against it: `//[` is then a path, not a host.
    url = new URL(`http://host${target}`);
  } catch {
    return { ok: false, error: 'the request target is not a valid URL path' };
  }
  if (url.host !== 'host') return { ok: false, error: 'the request target must be a path starting with "/"' };
  const segments: string[] = [];
  // The URL parser has already resolved "." and ".." segments, also when percent-encoded.
  const encodedSegments = url.pathname.split('/').slice(1);
  for (const [index, encoded] of encodedSegments.entries()) {
    // `//` is no path this app has (and `//host` reads as a host elsewhere); a trailing `/` is a directory.
    if (encoded === '' && index < encodedSegments.length - 1) return { ok: false, error: 'the path has an empty segment ("//")' };
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return { ok: false, error: `the path segment "${encoded.slice(0, 40)}" is not valid percent-encoding` };
    }
    if (/[/\\\0]/.test(segment)) return { ok: false, error: 'the path has an encoded slash, backslash or NUL character' };
    if (segment === '.' || segment === '..') return { ok: false, error: 'the path has a "." or ".." segment' };
    segments.push(segment);
  }
  return { ok: true, segments, pathname: url.pathname, query: url.searchParams };
}
