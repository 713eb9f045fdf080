// Pieces the admin pages share: their sub-navigation, tables, bars, "not on this server".
import { h, notice } from '../dom.js';
import { missing } from '../api.js';
import { percent } from '../format.js';

const PAGES = [
  ['/admin', 'Dashboard'], ['/admin/users', 'Users'], ['/admin/contents', 'Contents'],
  ['/admin/jobs', 'Jobs'], ['/admin/cache', 'Cache'], ['/admin/library', 'Library'],
];

export function adminFrame(ctx, title, ...body) {
  const nav = h('nav', { class: 'subnav', 'aria-label': 'Administration' }, PAGES.map(([path, label]) =>
    h('a', { href: `#${path}`, 'aria-current': ctx.path === path ? 'page' : null, text: label })));
  ctx.mount(nav, h('h1', { text: title }), ...body);
}

export function table(headers, rows, caption) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    caption ? h('caption', { class: 'visually-hidden', text: caption }) : null,
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows)));
}

export function meter(ratio, label) {
  return h('progress', { class: 'meter', max: 1, value: Math.min(1, Math.max(0, Number(ratio) || 0)), 'aria-label': `${label}: ${percent(ratio)}` });
}

export function unavailable(error, feature) {
  return notice(missing(error) || error.status === 503
    ? `${feature} is not available on this server yet.`
    : `${feature} could not be loaded: ${error.message}`);
}
