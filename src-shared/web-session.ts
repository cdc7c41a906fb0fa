/**
 * The web host's session token (`npm run web`): whoever has the printed URL may use the API. The page URL
 * carries it as a query parameter, and the renderer passes it on to the API's WebSocket the same way.
 * No runtime imports: the renderer, the web host and the e2e config all read this file.
 */

/** The query parameter that carries the token, on the page URL and on the API socket's URL. */
export const SESSION_TOKEN_PARAMETER = 'token';

/** The API's WebSocket path on the web host. */
export const API_SOCKET_PATH = '/api';

/** Random bytes in a generated token (base64url: 32 characters). */
export const SESSION_TOKEN_BYTES = 24;

/** What a token given with --token must be: URL-safe as it is, and long enough not to be guessed. */
export const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,200}$/;
export const SESSION_TOKEN_RULE = '16 to 200 letters, digits, _ or -';

/** The query string `?token=...` of a page or socket URL. */
export function sessionQuery(token: string): string {
  return `?${new URLSearchParams({ [SESSION_TOKEN_PARAMETER]: token })}`;
}

/** The token of a page or socket URL's query string, or null when it has none. */
export function sessionTokenOf(search: string | URLSearchParams): string | null {
  return (typeof search === 'string' ? new URLSearchParams(search) : search).get(SESSION_TOKEN_PARAMETER);
}
