/// <reference lib="dom" />
// Closed months (spec 6.2). closes.json, which every account may read, says which months are
// closed, when, by whom, and the sha256 of each one's frozen lines; the shell reads it once per page
// (PageContext.closes). A page that shows money marks a closed month with closedNotice(); the month
// picker marks it with monthLabel(); a printed statement says the close with statementClose().
import { badge, h } from './dom.ts';
import { nextMonth } from './format.ts';
import type { CloseRow } from './rows.ts';
import { translate, type Lang } from './strings.ts';

/** The close of a month, or null while it is open. */
export function closeOf(closes: readonly CloseRow[], month: string): CloseRow | null {
  return closes.find((c) => c.month === month) ?? null;
}

/** The month adjustments are booked into: the one after the latest closed month (null when none is closed). */
export function adjustmentMonth(closes: readonly CloseRow[]): string | null {
  const latest = closes.reduce<string | null>((max, c) => (max === null || c.month > max ? c.month : max), null);
  return latest === null ? null : nextMonth(latest);
}

/** A month as the month picker shows it: `2026-01 · 已结账` when closed. */
export function monthLabel(lang: Lang, closes: readonly CloseRow[], month: string): string {
  return closeOf(closes, month) ? translate(lang, 'close.picker', { month }) : month;
}

/** A hash shortened for a badge: its first 8 digits and an ellipsis. */
export function shortHash(sha256: string): string {
  return sha256.length > 8 ? `${sha256.slice(0, 8)}…` : sha256;
}

/** The badge of a closed month: `已结账 2026-01-05 · sha256 1a2b3c4d…`, the whole close in its title. */
export function closedBadge(lang: Lang, close: CloseRow): HTMLElement {
  const date = close.closed_at.slice(0, 10);
  const title = translate(lang, 'close.badge_title', { month: close.month, time: close.closed_at, by: close.closed_by, sha256: close.sha256 });
  const element = badge('closed', translate(lang, 'close.badge', { date, hash: shortHash(close.sha256) }), title);
  element.id = 'closed-badge';
  element.dataset.month = close.month;
  return element;
}

/** Under a money page's title: the closed badge and what a close means, or nothing while the month is open. */
export function closedNotice(lang: Lang, closes: readonly CloseRow[], month: string): HTMLElement | null {
  const close = closeOf(closes, month);
  if (!close) return null;
  const next = adjustmentMonth(closes) ?? nextMonth(month);
  return h('p', { class: 'close-status', id: 'close-status' }, closedBadge(lang, close), h('span', { class: 'note' }, translate(lang, 'close.frozen_note', { next })));
}

/** The line a printed statement carries: the close with its time, who closed and the whole hash, or that the month is open. */
export function statementClose(lang: Lang, closes: readonly CloseRow[], month: string): HTMLElement {
  const close = closeOf(closes, month);
  if (!close) return h('p', { class: 'statement-close statement-open', id: 'statement-close' }, translate(lang, 'close.statement_open'));
  return h(
    'p',
    { class: 'statement-close', id: 'statement-close' },
    badge('closed', translate(lang, 'close.picker', { month })),
    h('span', { class: 'hash' }, translate(lang, 'close.statement_closed', { time: close.closed_at, by: close.closed_by, sha256: close.sha256 })),
  );
}
