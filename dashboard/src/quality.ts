/// <reference lib="dom" />
// Data quality: the last run and its inputs, every file loaded (rows read = loaded + rejected),
// why rows were rejected and where, orphans, files not recognised and extra columns.
import { countColumn, tableLabels, textColumn } from './lib/columns.ts';
import { badge, h, message } from './lib/dom.ts';
import { decimal, integer, naiveTime } from './lib/format.ts';
import type { Quality, QualityFile, RunInfo, RunInput } from './lib/rows.ts';
import { startPage, type PageContext } from './lib/shell.ts';
import { translateCode } from './lib/strings.ts';
import { dataTable, type Column } from './lib/table.ts';

function definitions(items: [string, string][]): HTMLElement {
  return h('dl', { class: 'definition-grid' }, items.map(([term, value]) => [h('dt', null, term), h('dd', null, value)]));
}

function reasonLabel(ctx: PageContext, reason: string | null): HTMLElement | string {
  if (!reason) return '—';
  const label = translateCode(ctx.lang, 'reason', reason);
  return label === reason ? h('code', null, reason) : h('span', { title: reason }, label);
}

function kindLabel(ctx: PageContext, kind: string | null): string {
  return translateCode(ctx.lang, 'kind', kind);
}

function none(ctx: PageContext): HTMLElement {
  return message('info', ctx.t('dq.none'));
}

type Reason = Quality['reject_reasons'][number];
type Reject = Quality['rejects'][number];
type Orphan = Quality['orphan_rows'][number];
type Skipped = Quality['skipped_files'][number];
type Extra = Quality['extra_columns'][number];

/** When the run ran and how long it took. */
function runTimes(ctx: PageContext, run: RunInfo): HTMLElement {
  return definitions([
    [ctx.t('dq.run_id'), run.run_id ?? '—'],
    [ctx.t('dq.started_at'), naiveTime(run.started_at)],
    [ctx.t('dq.finished_at'), naiveTime(run.finished_at)],
    [ctx.t('dq.seconds'), decimal(ctx.lang, run.seconds, 1)],
    [ctx.t('dq.published_at'), naiveTime(ctx.manifest.published_at)],
  ]);
}

/** The config values the run used: windows, thresholds, composite weights, training limits. */
function runConfig(ctx: PageContext, run: RunInfo): HTMLElement {
  const c = run.config ?? {};
  const w = c.composite_weights ?? {};
  return definitions([
    [ctx.t('dq.config_window'), String(c.revisit_window_hours ?? '—')],
    [ctx.t('dq.config_notice'), String(c.reschedule_notice_minutes ?? '—')],
    [ctx.t('dq.config_grace'), String(c.grace_minutes ?? '—')],
    [ctx.t('dq.config_tech_min'), String(c.technician_min_tickets ?? '—')],
    [ctx.t('dq.config_outlet_min'), String(c.outlet_min_tickets ?? '—')],
    [
      ctx.t('dq.config_weights'),
      `${ctx.t('kpi.revisit_coverage')} ${w.revisit_coverage ?? '—'} · ${ctx.t('kpi.satisfied_rate')} ${w.satisfied_rate ?? '—'} · ${ctx.t('kpi.on_time_rate')} ${w.on_time_rate ?? '—'} · ${ctx.t('kpi.complaints')} ${w.complaints ?? '—'}`,
    ],
    [ctx.t('dq.config_training'), `${c.training_violations_per_month ?? '—'} / ${c.training_violations_per_year ?? '—'}`],
  ]);
}

function inputColumns(ctx: PageContext): Column<RunInput>[] {
  return [
    textColumn<RunInput>('file_name', ctx.t('dq.file'), (r) => r.file_name, { rowHeader: true }),
    textColumn<RunInput>('kind', ctx.t('dq.kind'), (r) => kindLabel(ctx, r.kind)),
    textColumn<RunInput>('encoding', ctx.t('dq.encoding'), (r) => r.encoding),
    { key: 'status', label: ctx.t('dq.status'), value: (r) => r.status, render: (r) => badge(r.status, translateCode(ctx.lang, 'status', r.status)) },
    countColumn<RunInput>(ctx, 'rows_read', ctx.t('dq.rows_read'), (r) => r.rows_read),
    countColumn<RunInput>(ctx, 'rows_loaded', ctx.t('dq.rows_loaded'), (r) => r.rows_loaded),
    countColumn<RunInput>(ctx, 'rows_rejected', ctx.t('dq.rows_rejected'), (r) => r.rows_rejected),
    textColumn<RunInput>('reason', ctx.t('dq.reason'), (r) => r.reason, { className: 'wrap' }),
  ];
}

/** The last run: its times and config side by side, then every input file it saw. */
function renderRun(ctx: PageContext, body: HTMLElement, run: RunInfo): void {
  body.append(
    h('div', { class: 'two-columns' }, h('div', null, runTimes(ctx, run)), h('div', null, h('h3', null, ctx.t('dq.config')), runConfig(ctx, run))),
    h('h3', null, ctx.t('dq.inputs')),
  );
  body.append(dataTable({ columns: inputColumns(ctx), rows: run.inputs ?? [], labels: tableLabels(ctx), id: 'inputs-table' }).element);
}

function fileColumns(ctx: PageContext): Column<QualityFile>[] {
  return [
    textColumn<QualityFile>('file_name', ctx.t('dq.file'), (r) => r.file_name, { rowHeader: true }),
    textColumn<QualityFile>('kind', ctx.t('dq.kind'), (r) => kindLabel(ctx, r.kind)),
    textColumn<QualityFile>('encoding', ctx.t('dq.encoding'), (r) => r.encoding),
    countColumn<QualityFile>(ctx, 'rows_read', ctx.t('dq.rows_read'), (r) => r.rows_read),
    countColumn<QualityFile>(ctx, 'rows_loaded', ctx.t('dq.rows_loaded'), (r) => r.rows_loaded),
    countColumn<QualityFile>(ctx, 'rows_rejected', ctx.t('dq.rows_rejected'), (r) => r.rows_rejected),
    {
      key: 'check',
      label: ctx.t('dq.check_ok'),
      value: (r) => r.rows_read === r.rows_loaded + r.rows_rejected,
      render: (r) => (r.rows_read === r.rows_loaded + r.rows_rejected ? badge('ok', '✓', ctx.t('dq.check_ok')) : badge('failed', '✗', ctx.t('dq.check_failed'))),
    },
    textColumn<QualityFile>('loaded_at', ctx.t('dq.loaded_at'), (r) => r.loaded_at, { render: (r) => naiveTime(r.loaded_at) }),
  ];
}

/** Every file loaded, with the total of rows read, loaded and rejected. */
function renderFileTable(ctx: PageContext, body: HTMLElement, quality: Quality): void {
  body.append(
    dataTable({
      columns: fileColumns(ctx),
      rows: quality.files ?? [],
      labels: tableLabels(ctx),
      id: 'files-table',
      rowClass: (r) => (r.rows_rejected > 0 ? 'flagged-row' : undefined),
      footer: (rows) => [
        ctx.t('common.total'),
        null,
        null,
        integer(ctx.lang, rows.reduce((a, r) => a + r.rows_read, 0)),
        integer(ctx.lang, rows.reduce((a, r) => a + r.rows_loaded, 0)),
        integer(ctx.lang, rows.reduce((a, r) => a + r.rows_rejected, 0)),
        null,
        null,
      ],
    }).element,
  );
}

/** How many rows each file lost to each reason. */
function renderRejectReasons(ctx: PageContext, body: HTMLElement, quality: Quality): void {
  body.append(h('h3', null, ctx.t('dq.reject_reasons')));
  const reasons = quality.reject_reasons ?? [];
  if (reasons.length === 0) {
    body.append(none(ctx));
    return;
  }
  body.append(
    dataTable<Reason>({
      columns: [
        textColumn<Reason>('file', ctx.t('dq.file'), (r) => r.file, { rowHeader: true }),
        { key: 'reason', label: ctx.t('dq.reason'), value: (r) => r.reason, render: (r) => reasonLabel(ctx, r.reason) },
        countColumn<Reason>(ctx, 'rows', ctx.t('dq.rows'), (r) => r.rows),
      ],
      rows: reasons,
      labels: tableLabels(ctx),
      id: 'reasons-table',
    }).element,
  );
}

/** Each rejected row: file, line, column, reason and the (masked) value; a note when the list was cut. */
function renderRejectList(ctx: PageContext, body: HTMLElement, quality: Quality): void {
  body.append(h('h3', null, ctx.t('dq.rejects')));
  const rejects = quality.rejects ?? [];
  if (rejects.length === 0) {
    body.append(none(ctx));
    return;
  }
  body.append(
    dataTable<Reject>({
      columns: [
        textColumn<Reject>('file', ctx.t('dq.file'), (r) => r.file, { rowHeader: true }),
        countColumn<Reject>(ctx, 'line', ctx.t('dq.line'), (r) => r.line),
        textColumn<Reject>('column', ctx.t('dq.column'), (r) => r.column, { render: (r) => (r.column ? h('code', null, r.column) : '—') }),
        { key: 'reason', label: ctx.t('dq.reason'), value: (r) => r.reason, render: (r) => reasonLabel(ctx, r.reason) },
        textColumn<Reject>('value', ctx.t('dq.value'), (r) => r.value, { render: (r) => (r.value === null ? '—' : h('code', null, r.value)) }),
      ],
      rows: rejects,
      pageSize: 100,
      labels: tableLabels(ctx),
      id: 'rejects-table',
    }).element,
  );
  if (quality.rejects_truncated) body.append(h('p', { class: 'note' }, ctx.t('dq.rejects_truncated')));
}

/** Revisits and complaints whose ticket is unknown: the counts, then the rows when there are any. */
function renderOrphans(ctx: PageContext, body: HTMLElement, quality: Quality): void {
  body.append(
    h('p', { class: 'note' }, ctx.t('dq.orphans_note')),
    h(
      'dl',
      { class: 'stat-list' },
      h('div', null, h('dt', null, ctx.t('dq.orphan_revisits')), h('dd', null, integer(ctx.lang, quality.orphans?.revisits ?? 0))),
      h('div', null, h('dt', null, ctx.t('dq.orphan_complaints')), h('dd', null, integer(ctx.lang, quality.orphans?.complaints ?? 0))),
    ),
  );
  const rows = quality.orphan_rows ?? [];
  if (rows.length === 0) return;
  body.append(
    dataTable<Orphan>({
      columns: [
        textColumn<Orphan>('record_id', ctx.t('dq.record_id'), (r) => r.record_id, { rowHeader: true }),
        textColumn<Orphan>('kind', ctx.t('dq.kind'), (r) => kindLabel(ctx, r.kind)),
        textColumn<Orphan>('ticket_id', ctx.t('pen.ticket_id'), (r) => r.ticket_id),
        textColumn<Orphan>('event_at', ctx.t('dq.event_at'), (r) => r.event_at, { render: (r) => naiveTime(r.event_at) }),
      ],
      rows,
      sort: { key: 'event_at', direction: 'asc' },
      pageSize: 100,
      labels: tableLabels(ctx),
      id: 'orphans-table',
    }).element,
  );
}

/** Files in the input folder that are no export of a known kind. */
function renderSkippedFiles(ctx: PageContext, body: HTMLElement, quality: Quality): void {
  const rows = quality.skipped_files ?? [];
  if (rows.length === 0) {
    body.append(none(ctx));
    return;
  }
  body.append(
    dataTable<Skipped>({
      columns: [
        textColumn<Skipped>('file', ctx.t('dq.file'), (r) => r.file, { rowHeader: true }),
        textColumn<Skipped>('reason', ctx.t('dq.reason'), (r) => r.reason, { className: 'wrap' }),
        textColumn<Skipped>('seen_at', ctx.t('dq.seen_at'), (r) => r.seen_at, { render: (r) => naiveTime(r.seen_at) }),
      ],
      rows,
      labels: tableLabels(ctx),
      id: 'skipped-table',
    }).element,
  );
}

/** Columns of an export that are not in the spec (kept out of the database). */
function renderExtraColumns(ctx: PageContext, body: HTMLElement, quality: Quality): void {
  const rows = quality.extra_columns ?? [];
  if (rows.length === 0) {
    body.append(none(ctx));
    return;
  }
  body.append(
    dataTable<Extra>({
      columns: [
        textColumn<Extra>('file', ctx.t('dq.file'), (r) => r.file, { rowHeader: true }),
        textColumn<Extra>('column_name', ctx.t('dq.column_name'), (r) => r.column_name, { render: (r) => h('code', null, r.column_name) }),
      ],
      rows,
      labels: tableLabels(ctx),
      id: 'extra-table',
    }).element,
  );
}

startPage({
  id: 'quality',
  titleKey: 'dq.title',
  monthly: false,
  async render(ctx, main) {
    main.append(h('h1', null, ctx.t('dq.title')));
    const runPromise = ctx.json<RunInfo>('run.json');
    const qualityPromise = ctx.json<Quality>('quality.json');
    // every section but the first reads quality.json: each is drawn once it has arrived
    const fromQuality = (render: (ctx: PageContext, body: HTMLElement, quality: Quality) => void) => async (body: HTMLElement) => render(ctx, body, await qualityPromise);

    await Promise.all([
      ctx.section(main, ctx.t('dq.run'), async (body) => renderRun(ctx, body, await runPromise), { id: 'run' }),
      ctx.section(main, ctx.t('dq.files'), fromQuality(renderFileTable), { id: 'files' }),
      ctx.section(main, ctx.t('dq.rejects'), fromQuality((c, body, quality) => {
        renderRejectReasons(c, body, quality);
        renderRejectList(c, body, quality);
      }), { id: 'rejects' }),
      ctx.section(main, ctx.t('dq.orphans'), fromQuality(renderOrphans), { id: 'orphans' }),
      ctx.section(main, ctx.t('dq.skipped'), fromQuality(renderSkippedFiles), { id: 'skipped' }),
      ctx.section(main, ctx.t('dq.extra_columns'), fromQuality(renderExtraColumns), { id: 'extra-columns' }),
    ]);
  },
});
