// The JSON API with the session's access token, which lives in this module only (memory).
// The refresh token is an HttpOnly cookie the page never sees: POST /api/auth/refresh with
// a JSON body and no refresh_token rotates it. Refreshes are serialised (Web Locks across
// tabs where the page is a secure context, a promise within one tab otherwise), because the
// server treats two refreshes of one token as theft and ends the session.

let accessToken = null;
let pending = null;
export const session = { user: null };

export class ApiError extends Error {
  constructor(status, body, headers) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || 'HTTP_' + status;
    this.details = error.details || {};
    this.retryAfter = Number(headers && headers.get('retry-after')) || 0;
  }
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

function authHeaders() {
  return accessToken ? { Authorization: `Bearer ${accessToken}` } : {};
}

async function post(path, body) {
  return fetch(path, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body), credentials: 'same-origin' });
}

function serialised(task) {
  return navigator.locks ? navigator.locks.request('wsoptv-refresh', task) : task();
}

export function refresh() {
  if (!pending) {
    pending = serialised(async () => {
      const response = await post('/api/auth/refresh', {});
      accessToken = response.ok ? (await response.json()).access_token : null;
      return accessToken !== null;
    }).catch(() => false).finally(() => { pending = null; });
  }
  return pending;
}

async function send(path, { method = 'GET', body, keepalive = false, signal } = {}) {
  const headers = { ...authHeaders(), ...(body === undefined ? {} : JSON_TYPE) };
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    keepalive,
    signal,
    credentials: 'same-origin',
  });
}

// api('/api/home') → parsed JSON (null for 204); ApiError for any non-2xx answer.
export async function api(path, options = {}) {
  let response = await send(path, options);
  if (response.status === 401 && !options.keepalive && (await refresh())) {
    response = await send(path, options);
  }
  if (response.status === 401) signedOut();
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, body, response.headers);
  return response.status === 204 ? null : body;
}

// A request the browser finishes even while the page goes away (progress, ending a stream).
export function beacon(path, method, body) {
  return api(path, { method, body, keepalive: true }).catch(() => null);
}

function signedOut() {
  if (session.user) {
    session.user = null;
    accessToken = null;
    dispatchEvent(new CustomEvent('wsoptv:session'));
  }
}

export async function restore() {
  if (!(await refresh())) return null;
  session.user = await api('/api/auth/me').catch(() => null);
  return session.user;
}

export async function signIn(email, password) {
  const response = await post('/api/auth/login', { email, password, refresh_cookie: true });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body, response.headers);
  accessToken = body.access_token;
  session.user = await api('/api/auth/me');
  dispatchEvent(new CustomEvent('wsoptv:session'));
  return session.user;
}

export async function signOut() {
  await api('/api/auth/logout', { method: 'POST' }).catch(() => null);
  accessToken = null;
  session.user = null;
  dispatchEvent(new CustomEvent('wsoptv:session'));
}

export function accessHeader() {
  return authHeaders();
}

// Whether a feature's route exists here: 404 and 405 mean "not on this server (yet)".
export function missing(error) {
  return error instanceof ApiError && (error.status === 404 || error.status === 405) &&
    (error.code === 'NOT_FOUND' || error.code === 'METHOD_NOT_ALLOWED');
}
