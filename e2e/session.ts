import { sessionQuery } from '../src-shared/web-session';

/** The fixed session token the e2e web host runs with (playwright.config.ts passes it as --token). */
export const WEB_TOKEN = 'e2e-session-token-0123456789';

/** The workbench page with the session token, optionally at a view (e.g. '#network'). */
export function workbenchPage(hash = ''): string {
  return `/${sessionQuery(WEB_TOKEN)}${hash}`;
}
