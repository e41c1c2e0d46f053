// The security headers of every response, from one helmet configuration. Responses inside
// Fastify's request lifecycle get them from @fastify/helmet (security.ts). A few answers are made
// outside it (a URL the router cannot decode, a request the HTTP parser refuses and that is
// answered on the raw socket, a request arriving while the server closes): those carry the same
// headers, which helmet's own middleware writes once, at start, onto a stand-in response.
import helmet, { type HelmetOptions } from 'helmet';

/** The pages load only their own scripts, styles and data; charts render without eval. */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'frame-ancestors': ["'none'"],
};

export const HELMET_OPTIONS = {
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES as Record<string, string[]> },
  xFrameOptions: { action: 'deny' },
} satisfies HelmetOptions;

/** What helmet sets with HELMET_OPTIONS, as plain lower-case header names and values. */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let failure: unknown;
  helmet(HELMET_OPTIONS)({} as never, response as never, (e?: unknown) => void (failure = e));
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return headers;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze(helmetHeaders());
