// The reference script of the performance issue, as an expert would write it: npm run bench (bench.ts) compares the pipeline against it. As it came, but for this line and the usage lines.
// Performance anchor: the whole KPI and penalty computation of SPEC.md sections 2 and 3, as a DuckDB
// expert would write it in plain SQL in a day. No validation, no reject accounting, no publishing:
// the exports are read with read_csv (typed columns, headers mapped to the spec's names), stored in a
// persisted DuckDB file, and the six contract tables of section 4 are built with set-based SQL.
// Default config of the spec (72 h window, 0 min grace, 20 min notice, 20 / 50 min tickets, weights).
// Usage: node bench/expert.cjs PROJECT_DIR INPUT_DIR DB_FILE      (PROJECT_DIR has node_modules/@duckdb/node-api)
// SQ_TRACE=1 prints each statement's time on stderr.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { createRequire } = require('node:module');
const [projectDir, inputDir, dbFile] = process.argv.slice(2);
if (!dbFile) { console.error('usage: node bench/expert.cjs PROJECT_DIR INPUT_DIR DB_FILE'); process.exit(2); }
const { DuckDBInstance } = createRequire(path.resolve(projectDir, 'package.json'))('@duckdb/node-api');

// ---------- inputs: kinds, headers, types ----------
const KINDS = [ // [kind, name prefixes]
  ['tickets', ['tickets', '工单']], ['revisits', ['revisits', '回访']], ['complaints', ['complaints', '投诉']],
  ['violations', ['violations', '违规']], ['technicians', ['technicians', '工程师']], ['outlets', ['outlets', '网点']],
];
const TS = 'TIMESTAMP', DEC = 'DECIMAL(18,2)', TXT = 'VARCHAR';
// canonical columns per kind: [name, read type, Chinese headers]
const COLS = {
  tickets: [
    ['ticket_id', TXT, '工单号 工单编号'], ['outlet_id', TXT, '网点编号 网点代码'], ['technician_id', TXT, '工程师工号 师傅工号'],
    ['service_type', TXT, '服务类型'], ['product_category', TXT, '产品品类 品类'], ['created_at', TS, '受理时间 报修时间 创建时间'],
    ['appointment_start', TS, '预约开始时间 预约时间'], ['appointment_end', TS, '预约结束时间'],
    ['original_appointment_start', TS, '原预约开始时间'], ['original_appointment_end', TS, '原预约结束时间'],
    ['rescheduled_at', TS, '改约时间'], ['arrived_at', TS, '上门时间 到达时间 签到时间'], ['completed_at', TS, '完工时间 完成时间'],
    ['status', TXT, '工单状态 状态'], ['fee_charged', DEC, '实收金额 收费金额'], ['fee_standard', DEC, '标准收费 应收金额'],
    ['customer_phone', TXT, '联系电话 用户电话'], ['updated_at', TS, '更新时间'],
  ],
  revisits: [
    ['revisit_id', TXT, '回访编号'], ['ticket_id', TXT, '工单号 工单编号'], ['revisit_at', TS, '回访时间'],
    ['reached', TXT, '是否接通 回访状态'], ['result', TXT, '回访结果 满意度'], ['on_time_answer', TXT, '是否按时上门'],
    ['uniform_badge', TXT, '着装及工作证 是否出示工作证'], ['shoe_covers', TXT, '鞋套垫布 是否穿鞋套'],
    ['four_nots_ok', TXT, '四不准 是否遵守四不'], ['site_cleaned', TXT, '清理现场 是否清理现场'],
    ['explained_usage', TXT, '讲解使用保养 是否讲解使用'], ['signed_record', TXT, '用户签字 是否签字'],
    ['charged_per_standard', TXT, '按标准收费 是否按标准收费'], ['reason', TXT, '不满意原因 备注'],
  ],
  complaints: [
    ['complaint_id', TXT, '投诉编号'], ['ticket_id', TXT, '工单号 工单编号'], ['technician_id', TXT, '工程师工号 师傅工号'],
    ['outlet_id', TXT, '网点编号 网点代码'], ['received_at', TS, '投诉时间'], ['category', TXT, '投诉类别'],
    ['responsible', TXT, '责任方'], ['verified', TXT, '是否属实'], ['resolved_at', TS, '结案时间'],
  ],
  violations: [
    ['violation_id', TXT, '违规编号'], ['technician_id', TXT, '工程师工号 师傅工号'], ['occurred_at', TS, '发生时间'],
    ['rule_id', TXT, '规则编号'], ['amount', DEC, '罚款金额'], ['note', TXT, '说明'],
  ],
  technicians: [['technician_id', TXT, '工程师工号 师傅工号'], ['name', TXT, '姓名'], ['outlet_id', TXT, '网点编号 网点代码'], ['status', TXT, '状态 在职状态']],
  outlets: [['outlet_id', TXT, '网点编号 网点代码'], ['name', TXT, '网点名称'], ['tier', TXT, '网点级别'], ['city', TXT, '城市']],
};
// how each canonical column is stored (x = the column as read)
const BOOL = (x) => `to_bool(${x})`;
const NORM = {
  tickets: { service_type: (x) => `enum_of(${x}, MAP {'安装':'install','维修':'repair','保养':'maintenance','咨询':'consultation'})`,
    status: (x) => `enum_of(${x}, MAP {'已完成':'completed','完工':'completed','已取消':'cancelled','处理中':'open','待处理':'open'})` },
  revisits: { reached: BOOL, on_time_answer: BOOL, uniform_badge: BOOL, shoe_covers: BOOL, four_nots_ok: BOOL, site_cleaned: BOOL,
    explained_usage: BOOL, signed_record: BOOL, charged_per_standard: BOOL,
    result: (x) => `enum_of(${x}, MAP {'满意':'satisfied','非常满意':'satisfied','5':'satisfied','4':'satisfied','一般':'neutral','基本满意':'neutral','3':'neutral','不满意':'unsatisfied','非常不满意':'unsatisfied','2':'unsatisfied','1':'unsatisfied'})` },
  complaints: { verified: BOOL,
    category: (x) => `enum_of(${x}, MAP {'服务态度':'service_attitude','服务不及时':'untimely','收费不合理':'overcharge','技术水平':'skill','服务不规范':'nonstandard','产品质量':'product_quality','导购服务':'sales','使用说明':'manual','找不到网点':'no_outlet','热线不通':'hotline','其他':'other'})`,
    responsible: (x) => `enum_of(${x}, MAP {'工程师':'technician','网点':'outlet','产品':'product','其他':'other'})` },
  technicians: { status: (x) => `enum_of(${x}, MAP {'在职':'active','离职':'left'})` },
  outlets: { tier: (x) => `enum_of(${x}, MAP {'服务中心':'service_center','专修部':'repair_shop','特约维修点':'authorized'})` },
};
const STORED = (kind, c) => ((NORM[kind] || {})[c[0]] ? (c[1] === TXT && (NORM[kind] || {})[c[0]] === BOOL ? 'BOOLEAN' : TXT) : c[1]);

function kindOf(file) {
  const n = file.toLowerCase();
  for (const [k, prefixes] of KINDS) if (prefixes.some((p) => n.startsWith(p))) return k;
  return null;
}
function headerOf(file) { // first line, BOM stripped, split on commas outside quotes
  const fd = fs.openSync(file, 'r'); const buf = Buffer.alloc(65536); const n = fs.readSync(fd, buf, 0, buf.length, 0); fs.closeSync(fd);
  let s = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, ''); s = s.slice(0, s.search(/\r?\n|$/));
  const out = []; let cur = '', q = false;
  for (const ch of s) {
    if (q) { if (ch === '"') q = false; else cur += ch; } else if (ch === '"') q = true; else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur); return out.map((h) => h.trim());
}
const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;

function readSql(kind, file, lenient) { // one file: typed read_csv, headers renamed to the spec's names
  const cols = COLS[kind]; const byHeader = new Map();
  for (const c of cols) { byHeader.set(c[0].toLowerCase(), c); for (const h of c[2].split(' ')) byHeader.set(h, c); }
  const seen = new Map();
  const spec = headerOf(file).map((h, i) => {
    const c = byHeader.get(h.toLowerCase()) || byHeader.get(h);
    if (c && !seen.has(c[0])) { seen.set(c[0], `c${i}`); return `c${i}: ${lit(lenient ? TXT : c[1])}`; }
    return `c${i}: 'VARCHAR'`;
  });
  const sel = cols.map((c) => {
    let x = seen.get(c[0]);
    if (!x) return `NULL::${STORED(kind, c)} AS ${c[0]}`;
    if (lenient && c[1] !== TXT) x = `try_cast(${x} AS ${c[1]})`;
    return `${(NORM[kind] || {})[c[0]] ? (NORM[kind] || {})[c[0]](x) : x} AS ${c[0]}`;
  });
  return `SELECT ${sel.join(', ')} FROM read_csv(${lit(file)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${spec.join(', ')}})`;
}

// ---------- the contract tables (SPEC.md 2, 3, 4) ----------
const W_HOURS = 72, GRACE_MIN = 0, NOTICE_MIN = 20, TECH_MIN = 20, OUTLET_MIN = 50;
const KPI_COLS = `tickets_completed, revisit_covered, revisit_coverage, rated, satisfied, neutral, unsatisfied,
  satisfied_rate, neutral_rate, unsatisfied_rate, on_time_judged, on_time, on_time_rate, complaints, complaint_rate`;
const measures = (tk, cp, keys) => `
  SELECT ${keys.map((k) => `coalesce(t.${k}, c.${k}) AS ${k}`).join(', ')},
    coalesce(t.n, 0) AS tickets_completed, coalesce(t.covered, 0) AS revisit_covered, rate(t.covered, t.n) AS revisit_coverage,
    coalesce(t.rated, 0) AS rated, coalesce(t.sat, 0) AS satisfied, coalesce(t.neu, 0) AS neutral, coalesce(t.uns, 0) AS unsatisfied,
    rate(t.sat, t.rated) AS satisfied_rate, rate(t.neu, t.rated) AS neutral_rate, rate(t.uns, t.rated) AS unsatisfied_rate,
    coalesce(t.judged, 0) AS on_time_judged, coalesce(t.ontime, 0) AS on_time, rate(t.ontime, t.judged) AS on_time_rate,
    coalesce(c.complaints, 0) AS complaints, rate(coalesce(c.complaints, 0), t.n) AS complaint_rate
  FROM (${tk}) t FULL JOIN (${cp}) c ON ${keys.map((k) => `c.${k} IS NOT DISTINCT FROM t.${k}`).join(' AND ')}`;
const sums = `sum(n) AS n, sum(covered) AS covered, sum(rated) AS rated, sum(sat) AS sat, sum(neu) AS neu, sum(uns) AS uns,
  sum(judged) AS judged, sum(ontime) AS ontime`;

const KPI_SQL = [
  `CREATE TEMP MACRO rate(a, b) AS CASE WHEN b > 0 THEN a::DOUBLE / b END`,
  `CREATE TEMP MACRO month_before(m) AS strftime(strptime(m || '-01', '%Y-%m-%d') - INTERVAL 1 MONTH, '%Y-%m')`,
  // completed tickets and their punctuality
  `CREATE TEMP TABLE done AS
   SELECT ticket_id, technician_id, outlet_id, completed_at, strftime(completed_at, '%Y-%m') AS month, arrived_at,
     fee_charged, fee_standard,
     CASE WHEN appointment_start IS NOT NULL AND arrived_at IS NOT NULL THEN arrived_at <= CASE
       WHEN rescheduled_at IS NOT NULL AND original_appointment_start IS NOT NULL
         AND rescheduled_at > coalesce(original_appointment_end, original_appointment_start + INTERVAL ${GRACE_MIN} MINUTE) - INTERVAL ${NOTICE_MIN} MINUTE
         THEN coalesce(original_appointment_end, original_appointment_start + INTERVAL ${GRACE_MIN} MINUTE)
       ELSE coalesce(appointment_end, appointment_start + INTERVAL ${GRACE_MIN} MINUTE) END END AS on_time
   FROM tickets WHERE status = 'completed' AND completed_at IS NOT NULL`,
  // coverage and verdict per ticket: reached calls at or after completion
  `CREATE TEMP TABLE calls AS
   SELECT r.ticket_id, bool_or(r.revisit_at <= d.completed_at + INTERVAL ${W_HOURS} HOUR) AS covered,
     arg_min(r.result, (r.revisit_at, r.revisit_id)) FILTER (WHERE r.result IS NOT NULL) AS verdict
   FROM revisits r JOIN done d ON d.ticket_id = r.ticket_id
   WHERE r.reached AND r.revisit_at >= d.completed_at
   GROUP BY r.ticket_id`,
  // counts per month, technician and outlet: the one pass over the ticket grain
  `CREATE TEMP TABLE counts AS
   SELECT d.month, d.technician_id, d.outlet_id, count(*) AS n, count(*) FILTER (WHERE c.covered) AS covered,
     count(c.verdict) AS rated, count(*) FILTER (WHERE c.verdict = 'satisfied') AS sat,
     count(*) FILTER (WHERE c.verdict = 'neutral') AS neu, count(*) FILTER (WHERE c.verdict = 'unsatisfied') AS uns,
     count(d.on_time) AS judged, count(*) FILTER (WHERE d.on_time) AS ontime
   FROM done d LEFT JOIN calls c ON c.ticket_id = d.ticket_id GROUP BY ALL`,
  // verified complaints, credited through their ticket when it is loaded
  `CREATE TEMP TABLE credits AS
   SELECT c.complaint_id, strftime(c.received_at, '%Y-%m') AS month, c.received_at, c.category, c.responsible, c.ticket_id,
     CASE WHEN t.ticket_id IS NOT NULL THEN t.technician_id ELSE c.technician_id END AS technician_id,
     CASE WHEN t.ticket_id IS NOT NULL THEN t.outlet_id ELSE c.outlet_id END AS outlet_id,
     t.ticket_id IS NOT NULL AS ticket_loaded, t.outlet_id AS ticket_outlet_id, t.fee_charged, t.fee_standard
   FROM complaints c LEFT JOIN tickets t ON t.ticket_id = c.ticket_id WHERE c.verified`,
  `CREATE OR REPLACE TABLE kpi_technician_month AS
   WITH m AS (${measures(`SELECT month, technician_id, ${sums} FROM counts GROUP BY ALL`,
    `SELECT month, technician_id, count(*) AS complaints FROM credits WHERE responsible = 'technician' AND technician_id IS NOT NULL GROUP BY ALL`,
    ['month', 'technician_id'])}),
   home AS (SELECT month, technician_id, arg_min(outlet_id, (-n, outlet_id)) AS outlet_id FROM counts GROUP BY ALL)
   SELECT m.month, m.technician_id, home.outlet_id, ${KPI_COLS.replace(/(\w+)/g, 'm.$1')},
     CASE WHEN m.tickets_completed >= ${TECH_MIN} THEN rank() OVER (PARTITION BY m.month, m.tickets_completed >= ${TECH_MIN}
       ORDER BY m.complaint_rate DESC, m.complaints DESC) END AS complaint_rank
   FROM m LEFT JOIN home USING (month, technician_id)`,
  `CREATE OR REPLACE TABLE kpi_outlet_month AS
   WITH m AS (${measures(`SELECT month, outlet_id, ${sums} FROM counts GROUP BY ALL`,
    `SELECT month, outlet_id, count(*) AS complaints FROM credits WHERE responsible IN ('technician', 'outlet') AND outlet_id IS NOT NULL GROUP BY ALL`,
    ['month', 'outlet_id'])}),
   s AS (SELECT m.*, o.tier, 0.25 * revisit_coverage + 0.35 * satisfied_rate + 0.25 * on_time_rate
       + 0.15 * (1 - least(1, 10 * complaint_rate)) AS composite,
       tickets_completed >= ${OUTLET_MIN} AND composite IS NOT NULL AS eligible
     FROM m LEFT JOIN outlets o USING (outlet_id)),
   r AS (SELECT *, CASE WHEN eligible THEN rank() OVER (PARTITION BY month, eligible ORDER BY composite DESC) END AS outlet_rank,
       CASE WHEN eligible AND tier IS NOT NULL THEN rank() OVER (PARTITION BY month, tier, eligible ORDER BY composite DESC) END AS tier_rank
     FROM s)
   SELECT r.month, r.outlet_id, r.tier, ${KPI_COLS.replace(/(\w+)/g, 'r.$1')}, r.composite, r.outlet_rank, r.tier_rank,
     p.outlet_rank - r.outlet_rank AS rank_change
   FROM r LEFT JOIN r p ON p.outlet_id = r.outlet_id AND p.month = month_before(r.month)`,
  `CREATE OR REPLACE TABLE kpi_network_month AS ${measures(`SELECT month, ${sums} FROM counts GROUP BY ALL`,
    `SELECT month, count(*) AS complaints FROM credits WHERE responsible IN ('technician', 'outlet') GROUP BY ALL`, ['month'])}`,
  // penalties: ticket rules (at most one line per rule and ticket, the earliest evidence)
  `CREATE TEMP TABLE schedule AS SELECT * FROM (VALUES
     ('LATE_NO_NOTICE', 20, false), ('IMAGE', 20, false), ('NO_SHOE_COVERS', 50, false), ('FOUR_NOTS', 100, false),
     ('SITE_NOT_CLEANED', 50, false), ('NO_EXPLANATION', 30, false), ('OVERCHARGE', 500, true), ('TOP_COMPLAINT_RATE', 100, false))
     v(rule_id, amount, dismissal)`,
  `CREATE OR REPLACE TABLE penalty_lines AS
   WITH answers AS (  -- reached calls after completion that break a rule (few: the filter skips most row groups)
     SELECT d.ticket_id, r.revisit_id, r.revisit_at, list_filter([
         CASE WHEN r.uniform_badge = false THEN 'IMAGE' END, CASE WHEN r.shoe_covers = false THEN 'NO_SHOE_COVERS' END,
         CASE WHEN r.four_nots_ok = false THEN 'FOUR_NOTS' END, CASE WHEN r.site_cleaned = false THEN 'SITE_NOT_CLEANED' END,
         CASE WHEN r.explained_usage = false OR r.signed_record = false THEN 'NO_EXPLANATION' END,
         CASE WHEN r.charged_per_standard = false THEN 'OVERCHARGE' END], x -> x IS NOT NULL) AS rules
     FROM revisits r JOIN done d ON d.ticket_id = r.ticket_id
     WHERE r.reached AND r.revisit_at >= d.completed_at AND (r.uniform_badge = false OR r.shoe_covers = false
       OR r.four_nots_ok = false OR r.site_cleaned = false OR r.explained_usage = false OR r.signed_record = false
       OR r.charged_per_standard = false)),
   findings AS (
     SELECT ticket_id, 'LATE_NO_NOTICE' AS rule_id, NULL::VARCHAR AS revisit_id, arrived_at AS occurred_at FROM done WHERE NOT on_time
     UNION ALL SELECT ticket_id, 'OVERCHARGE', NULL, completed_at FROM done WHERE fee_charged > fee_standard
     UNION ALL SELECT ticket_id, unnest(rules), revisit_id, revisit_at FROM answers),
   ticket_lines AS (
     SELECT ticket_id, rule_id, min(occurred_at) AS occurred_at, arg_min(revisit_id, (occurred_at, revisit_id)) AS revisit_id
     FROM findings GROUP BY ALL),
   tech AS (SELECT month, technician_id, outlet_id, complaint_rank, complaint_rate FROM kpi_technician_month),
   latest AS (SELECT month, technician_id, max(received_at) AS received_at FROM credits
     WHERE responsible = 'technician' AND technician_id IS NOT NULL GROUP BY ALL)
   SELECT d.month, d.technician_id, d.outlet_id, l.rule_id, s.amount::${DEC} AS amount, l.occurred_at, l.ticket_id, l.revisit_id,
     NULL::VARCHAR AS complaint_id, NULL::VARCHAR AS violation_id, s.dismissal
   FROM ticket_lines l JOIN done d USING (ticket_id) JOIN schedule s USING (rule_id)
   UNION ALL
   SELECT t.month, t.technician_id, t.outlet_id, 'TOP_COMPLAINT_RATE', s.amount::${DEC}, latest.received_at, NULL, NULL, NULL, NULL,
     coalesce(p.complaint_rank = 1 AND p.complaint_rate > 0, false)
   FROM tech t JOIN schedule s ON s.rule_id = 'TOP_COMPLAINT_RATE'
   LEFT JOIN tech p ON p.technician_id = t.technician_id AND p.month = month_before(t.month)
   LEFT JOIN latest ON latest.month = t.month AND latest.technician_id = t.technician_id
   WHERE t.complaint_rank = 1 AND t.complaint_rate > 0
   UNION ALL
   SELECT strftime(v.occurred_at, '%Y-%m'), v.technician_id, coalesce(t.outlet_id, e.outlet_id), v.rule_id,
     coalesce(v.amount, s.amount)::${DEC}, v.occurred_at, NULL, NULL, NULL, v.violation_id, coalesce(s.dismissal, false)
   FROM violations v LEFT JOIN schedule s USING (rule_id)
   LEFT JOIN tech t ON t.technician_id = v.technician_id AND t.month = strftime(v.occurred_at, '%Y-%m')
   LEFT JOIN technicians e ON e.technician_id = v.technician_id`,
  `CREATE OR REPLACE TABLE penalty_totals AS
   WITH m AS (SELECT month, technician_id, count(*) AS violations, sum(amount) AS amount, bool_or(dismissal) AS dismissal_line,
       min(outlet_id) AS line_outlet_id FROM penalty_lines GROUP BY ALL),
   y AS (SELECT *, sum(violations) OVER w AS violations_ytd FROM m
     WINDOW w AS (PARTITION BY technician_id, left(month, 4) ORDER BY month ROWS UNBOUNDED PRECEDING)),
   f AS (SELECT *, violations >= 3 OR violations_ytd >= 5 AS training FROM y)
   SELECT f.month, f.technician_id, coalesce(k.outlet_id, f.line_outlet_id) AS outlet_id, f.violations, f.amount::${DEC} AS amount,
     f.violations_ytd, f.training,
     f.dismissal_line OR coalesce(bool_or(f.training) OVER (PARTITION BY f.technician_id, left(f.month, 4) ORDER BY f.month
       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS dismissal_review
   FROM f LEFT JOIN kpi_technician_month k USING (month, technician_id)`,
  // completed tickets only, in their completion month, once per ticket (the earliest complaint)
  `CREATE OR REPLACE TABLE outlet_penalty_lines AS
   SELECT d.month, d.outlet_id, arg_min(c.complaint_id, (c.received_at, c.complaint_id)) AS complaint_id, d.ticket_id,
     (d.fee_charged - d.fee_standard)::${DEC} AS overcharge, (10 * (d.fee_charged - d.fee_standard))::${DEC} AS amount
   FROM credits c JOIN done d ON d.ticket_id = c.ticket_id
   WHERE c.category = 'overcharge' AND d.fee_charged > d.fee_standard GROUP BY ALL`,
];

(async () => {
  const t0 = process.hrtime.bigint();
  const trace = process.env.SQ_TRACE === '1';
  const db = await DuckDBInstance.create(dbFile, { threads: String(os.cpus().length), preserve_insertion_order: 'false' });
  const c = await db.connect();
  const run = async (sql) => {
    const s = process.hrtime.bigint(); await c.run(sql);
    if (trace) console.error(`${(Number(process.hrtime.bigint() - s) / 1e6).toFixed(0).padStart(6)} ms  ${sql.replace(/\s+/g, ' ').slice(0, 110)}`);
  };
  await run(`CREATE TEMP MACRO to_bool(x) AS CASE
    WHEN lower(x) IN ('是', 'y', 'yes', 'true', 't', '1', '成功', '已接通') THEN true
    WHEN lower(x) IN ('否', 'n', 'no', 'false', 'f', '0', '未接通', '拒访', '空号', '关机') THEN false END`);
  await run(`CREATE TEMP MACRO enum_of(x, m) AS coalesce(m[x], lower(x))`);
  const files = {};
  for (const f of fs.readdirSync(inputDir).sort()) {
    const k = kindOf(f);
    if (!k || !f.toLowerCase().endsWith('.csv')) { console.error(`not read: ${f}`); continue; }
    (files[k] ||= []).push(path.join(inputDir, f));
  }
  for (const kind of Object.keys(COLS)) {
    const list = files[kind] || [];
    const empty = `SELECT ${COLS[kind].map((col) => `NULL::${STORED(kind, col)} AS ${col[0]}`).join(', ')} WHERE false`;
    const q = (lenient) => (list.length ? list.map((f) => readSql(kind, f, lenient)).join(' UNION ALL ') : empty);
    try { await run(`CREATE OR REPLACE TABLE ${kind} AS ${q(false)}`); } catch (e) { // a timestamp or amount the typed read refuses
      console.error(`${kind}: typed read failed (${String(e.message).split('\n')[0]}); read as text and cast`);
      await run(`CREATE OR REPLACE TABLE ${kind} AS ${q(true)}`);
    }
  }
  for (const sql of KPI_SQL) await run(sql);
  c.closeSync(); db.closeSync();
  if (trace) console.error(`${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0).padStart(6)} ms  total`);
})().catch((e) => { console.error(e); process.exit(1); });
