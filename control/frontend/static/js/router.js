// Hash routes (#/title/12): the server serves one page, so no path under / can collide
// with /api, /schema or /metrics. Each view gets a context and may return a cleanup.

const routes = [];
let current = { token: 0, cleanup: null };
let fallback = null;

export function route(pattern, load) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return '([^/]+)'; });
  routes.push({ regex: new RegExp(`^${source}$`), names, load });
}

export function notFound(load) { fallback = load; }

export function go(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = `#${path}`;
}

export function currentPath() {
  const hash = location.hash.slice(1);
  return hash.startsWith('/') ? hash : '/';
}

export async function render() {
  const [path, query = ''] = currentPath().split('?');
  if (current.cleanup) {
    try { current.cleanup(); } catch (error) { console.error(error); }
  }
  const token = current.token + 1;
  current = { token, cleanup: null };
  const main = document.getElementById('main');
  const ctx = {
    params: {},
    query: new URLSearchParams(query),
    path,
    live: () => current.token === token,
    mount(...nodes) { if (current.token === token) main.replaceChildren(...nodes); },
  };
  let load = fallback;
  for (const candidate of routes) {
    const match = candidate.regex.exec(path);
    if (match) {
      candidate.names.forEach((name, i) => { ctx.params[name] = decodeURIComponent(match[i + 1]); });
      load = candidate.load;
      break;
    }
  }
  const cleanup = await load(ctx);
  if (current.token === token) current.cleanup = typeof cleanup === 'function' ? cleanup : null;
  else if (typeof cleanup === 'function') cleanup();
}

export function start() {
  addEventListener('hashchange', render);
  return render();
}
