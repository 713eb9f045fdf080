// The shell: session restore, navigation, and the routes (views load on first use).
import { h, $, button } from './dom.js';
import { restore, session, signOut } from './api.js';
import { route, notFound, render, start, go, currentPath } from './router.js';
import { mountSearchBox } from './searchbox.js';

const PUBLIC = new Set(['/signin', '/register']);
const view = (loader, name = 'default') => async (ctx) => (await loader())[name](ctx);

function guarded(loader, name, role) {
  const show = view(loader, name);
  return (ctx) => {
    if (!session.user) {
      go(`/signin?next=${encodeURIComponent(currentPath())}`);
      return null;
    }
    if (role && session.user.role !== role) {
      ctx.mount(h('p', { class: 'notice', role: 'alert', text: 'This page is for administrators.' }));
      return null;
    }
    return show(ctx);
  };
}

const auth = () => import('./views/auth.js');
const admin = () => import('./admin/pages.js');
route('/signin', view(auth, 'signInView'));
route('/register', view(auth, 'registerView'));
route('/', guarded(() => import('./views/home.js'), 'default'));
route('/title/:id', guarded(() => import('./views/title.js'), 'default'));
route('/series/:id', guarded(() => import('./views/series.js'), 'default'));
route('/search', guarded(() => import('./views/search.js'), 'default'));
route('/watch/:id', guarded(() => import('./views/watch.js'), 'default'));
route('/streams', guarded(() => import('./views/streams.js'), 'default'));
route('/admin', guarded(admin, 'dashboard', 'admin'));
route('/admin/users', guarded(admin, 'users', 'admin'));
route('/admin/contents', guarded(() => import('./admin/contents.js'), 'contents', 'admin'));
route('/admin/contents/:id', guarded(() => import('./admin/contents.js'), 'editContent', 'admin'));
route('/admin/jobs', guarded(() => import('./admin/jobs.js'), 'default', 'admin'));
route('/admin/cache', guarded(admin, 'cache', 'admin'));
route('/admin/library', guarded(admin, 'library', 'admin'));
notFound((ctx) => ctx.mount(h('p', { class: 'notice', text: 'No such page.' }), h('a', { href: '#/' }, 'Home')));

function link(path, label) {
  const here = currentPath().split('?')[0];
  const active = here === path || (path !== '/' && here.startsWith(`${path}/`));
  return h('a', { href: `#${path}`, 'aria-current': active ? 'page' : null }, label);
}

function drawNav() {
  const nav = $('#nav');
  const search = $('#search-slot');
  if (!session.user) {
    nav.replaceChildren(link('/signin', 'Sign in'), link('/register', 'Register'));
    search.replaceChildren();
    return;
  }
  const items = [link('/', 'Home'), link('/streams', 'My streams')];
  if (session.user.role === 'admin') items.push(link('/admin', 'Admin'));
  items.push(h('span', { class: 'who', text: session.user.username }));
  items.push(button('Sign out', async () => { await signOut(); go('/signin'); }, { class: 'linkish' }));
  nav.replaceChildren(...items);
  if (!search.firstChild) mountSearchBox(search);
}

async function boot() {
  $('.skip').addEventListener('click', (event) => {
    event.preventDefault();
    $('#main').focus();
  });
  addEventListener('wsoptv:session', () => {
    drawNav();
    if (!session.user && !PUBLIC.has(currentPath().split('?')[0])) render();
  });
  addEventListener('hashchange', drawNav);
  await restore();
  drawNav();
  await start();
}

boot();
