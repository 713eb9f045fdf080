// Sign in and register. Errors are the API's codes, said plainly.
import { h, button } from '../dom.js';
import { api, signIn, session, ApiError } from '../api.js';
import { go } from '../router.js';

const MESSAGES = {
  AUTH_INVALID_CREDENTIALS: 'Wrong email or password.',
  AUTH_ACCOUNT_PENDING: 'Your account awaits approval by an administrator.',
  AUTH_ACCOUNT_SUSPENDED: 'This account is suspended.',
  AUTH_USER_EXISTS: 'An account with this email or username already exists.',
  AUTH_WEAK_PASSWORD: 'Use at least 8 characters with upper case, lower case and a digit.',
  AUTH_PASSWORD_TOO_LONG: 'That password is too long (72 bytes at most).',
};

export function explain(error) {
  if (!(error instanceof ApiError)) return 'The server cannot be reached. Try again.';
  if (error.code === 'RATE_LIMITED') return `Too many attempts. Try again in ${error.retryAfter || 60} s.`;
  if (error.code === 'VALIDATION_ERROR') {
    const field = (error.details.errors || [])[0];
    return field ? `Check ${field.field.replace(/^data\./, '')}: ${field.message}` : error.message;
  }
  return MESSAGES[error.code] || error.message;
}

function field(label, props) {
  const id = `f-${props.name}`;
  return h('p', { class: 'field' }, h('label', { for: id, text: label }), h('input', { id, required: true, ...props }));
}

function form(title, fields, submitLabel, onsubmit, footer) {
  const status = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const el = h('form', { class: 'card-form', novalidate: true, 'aria-labelledby': 'form-title' },
    h('h1', { id: 'form-title', text: title }), fields, status, submit, footer);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!el.reportValidity()) return;
    status.textContent = '';
    submit.disabled = true;
    try {
      await onsubmit(new FormData(el), status);
    } catch (error) {
      status.textContent = explain(error);
    } finally {
      submit.disabled = false;
    }
  });
  return el;
}

export function signInView(ctx) {
  if (session.user) { go('/'); return; }
  const next = ctx.query.get('next') || '/';
  const el = form('Sign in', [
    field('Email', { name: 'email', type: 'email', autocomplete: 'username' }),
    field('Password', { name: 'password', type: 'password', autocomplete: 'current-password' }),
  ], 'Sign in', async (data) => {
    await signIn(String(data.get('email')), String(data.get('password')));
    go(next.startsWith('/') && !next.startsWith('/signin') ? next : '/');
  }, h('p', {}, 'New here? ', h('a', { href: '#/register' }, 'Create an account')));
  ctx.mount(el);
  el.querySelector('input').focus();
}

export function registerView(ctx) {
  if (session.user) { go('/'); return; }
  const el = form('Create an account', [
    field('Email', { name: 'email', type: 'email', autocomplete: 'email' }),
    field('Username', { name: 'username', autocomplete: 'username', minlength: 2, maxlength: 50, pattern: '[A-Za-z0-9_.\\-]+' }),
    field('Password', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8, 'aria-describedby': 'pw-hint' }),
    h('p', { id: 'pw-hint', class: 'hint', text: 'At least 8 characters, with upper case, lower case and a digit.' }),
  ], 'Register', async (data) => {
    const body = Object.fromEntries(['email', 'username', 'password'].map((k) => [k, String(data.get(k))]));
    const user = await api('/api/auth/register', { method: 'POST', body });
    if (user.status === 'pending') {
      ctx.mount(h('section', { class: 'card-form', 'aria-labelledby': 'pending-title' },
        h('h1', { id: 'pending-title', text: 'Almost there' }),
        h('p', { class: 'pending', text: 'Your account awaits approval by an administrator. You can sign in once it is approved.' }),
        h('a', { href: '#/signin' }, 'Back to sign in')));
      return;
    }
    await signIn(body.email, body.password);
    go('/');
  }, h('p', {}, 'Have an account? ', h('a', { href: '#/signin' }, 'Sign in')));
  ctx.mount(el);
  el.querySelector('input').focus();
}

