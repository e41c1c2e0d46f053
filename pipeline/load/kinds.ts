// The export kinds the pipeline reads: how a file is recognised, which headers map to which
// canonical column, which columns are required and which are sensitive. Imports nothing.
// A column is added to an export kind in three places: its entry here (name, accepted headers),
// queries/load/typed_<kind>.sql (how its text is typed and checked) and queries/schema.sql (the
// stored table). Nothing else of the load stage lists a kind's columns; only a timestamp that
// decides which months a record counts in is also named in stale-months.ts.

export type KindName = 'tickets' | 'revisits' | 'complaints' | 'violations' | 'technicians' | 'outlets' | 'appeals';

export interface ColumnDef {
  /** canonical name, as in the spec and the stored tables */
  name: string;
  /** accepted header spellings besides the canonical name (compared after normalising) */
  aliases: string[];
  /** a missing column stops the run; a blank value rejects the row */
  required: boolean;
  /**
   * the column can hold a customer's phone number, name or free text: its values are never shown
   * outside the database, not even the value of a rejected cell (load_rejects.value is '***')
   */
  sensitive: boolean;
}

export interface KindDef {
  kind: KindName;
  /** file-name prefixes, compared case-insensitively */
  prefixes: string[];
  key: string;
  /** the table the typed rows are stored in */
  table: string;
  columns: ColumnDef[];
}

const col = (name: string, aliases: string[], required = false): ColumnDef => ({ name, aliases, required, sensitive: false });
const sensitive = (name: string, aliases: string[]): ColumnDef => ({ name, aliases, required: false, sensitive: true });

export const KINDS: KindDef[] = [
  {
    kind: 'tickets',
    prefixes: ['tickets', 'ticket', '工单'],
    key: 'ticket_id',
    table: 'tickets',
    columns: [
      col('ticket_id', ['工单号', '工单编号', '服务单号'], true),
      col('outlet_id', ['网点编号', '网点代码', '网点id'], true),
      // required only for completed tickets: checked row by row in queries/load/typed_tickets.sql
      col('technician_id', ['工程师工号', '师傅工号', '工程师编号']),
      col('service_type', ['服务类型', '服务类别'], true),
      col('product_category', ['产品品类', '品类', '产品类别']),
      // the product's own identity: a repair of the same serial is a repeat (spec 5.2)
      col('product_serial', ['机身条码', '产品条码', '机器编号', '产品序列号']),
      col('created_at', ['受理时间', '报修时间', '创建时间'], true),
      col('appointment_start', ['预约开始时间', '预约时间']),
      col('appointment_end', ['预约结束时间']),
      col('original_appointment_start', ['原预约开始时间']),
      col('original_appointment_end', ['原预约结束时间']),
      col('rescheduled_at', ['改约时间']),
      col('arrived_at', ['上门时间', '到达时间', '签到时间']),
      col('completed_at', ['完工时间', '完成时间']),
      col('status', ['工单状态', '状态'], true),
      col('fee_charged', ['实收金额', '收费金额']),
      col('fee_standard', ['标准收费', '应收金额']),
      sensitive('customer_phone', ['联系电话', '用户电话', '客户电话']),
      col('updated_at', ['更新时间', '最后更新时间']),
    ],
  },
  {
    kind: 'revisits',
    prefixes: ['revisits', 'revisit', '回访'],
    key: 'revisit_id',
    table: 'revisits',
    columns: [
      col('revisit_id', ['回访编号', '回访单号'], true),
      col('ticket_id', ['工单号', '工单编号'], true),
      col('revisit_at', ['回访时间'], true),
      col('reached', ['是否接通', '回访状态'], true),
      col('result', ['回访结果', '满意度']),
      col('on_time_answer', ['是否按时上门']),
      col('uniform_badge', ['着装及工作证', '是否出示工作证']),
      col('shoe_covers', ['鞋套垫布', '是否穿鞋套']),
      col('four_nots_ok', ['四不准', '是否遵守四不']),
      col('site_cleaned', ['清理现场', '是否清理现场']),
      col('explained_usage', ['讲解使用保养', '是否讲解使用']),
      col('signed_record', ['用户签字', '是否签字']),
      col('charged_per_standard', ['按标准收费', '是否按标准收费']),
      // free text the call centre types: names and phone numbers end up in it
      sensitive('reason', ['不满意原因', '备注']),
    ],
  },
  {
    kind: 'complaints',
    prefixes: ['complaints', 'complaint', '投诉'],
    key: 'complaint_id',
    table: 'complaints',
    columns: [
      col('complaint_id', ['投诉编号', '投诉单号'], true),
      col('ticket_id', ['工单号', '工单编号']),
      col('technician_id', ['工程师工号', '师傅工号']),
      col('outlet_id', ['网点编号', '网点代码']),
      col('received_at', ['投诉时间'], true),
      col('category', ['投诉类别', '投诉类型'], true),
      col('responsible', ['责任方'], true),
      col('verified', ['是否属实'], true),
      col('resolved_at', ['结案时间']),
    ],
  },
  {
    kind: 'violations',
    prefixes: ['violations', 'violation', '违规'],
    key: 'violation_id',
    table: 'violations',
    columns: [
      col('violation_id', ['违规编号'], true),
      col('technician_id', ['工程师工号', '师傅工号'], true),
      col('occurred_at', ['发生时间'], true),
      col('rule_id', ['规则编号'], true),
      col('amount', ['罚款金额']),
      sensitive('note', ['说明', '备注']),
    ],
  },
  {
    kind: 'technicians',
    prefixes: ['technicians', 'technician', '工程师'],
    key: 'technician_id',
    table: 'technicians',
    columns: [
      col('technician_id', ['工程师工号', '师傅工号'], true),
      col('name', ['姓名', '工程师姓名']),
      col('outlet_id', ['网点编号', '网点代码']),
      col('status', ['状态', '在职状态']),
    ],
  },
  {
    kind: 'outlets',
    prefixes: ['outlets', 'outlet', '网点'],
    key: 'outlet_id',
    table: 'outlets',
    columns: [
      col('outlet_id', ['网点编号', '网点代码'], true),
      col('name', ['网点名称']),
      col('tier', ['网点级别', '网点类型']),
      col('city', ['城市']),
    ],
  },
  {
    // appeals of penalty lines (spec 6.3); stored as appeal_records, the table `appeals` is the build's
    // (each loaded appeal with the line it decides). Whether the line exists and a reduced amount is
    // below the line's is known only once the lines are built: checked by the build
    // (queries/intermediate/int_appeal_checks.sql), which keeps those rejects in load_rejects.
    kind: 'appeals',
    prefixes: ['appeals', 'appeal', '申诉'],
    key: 'appeal_id',
    table: 'appeal_records',
    columns: [
      col('appeal_id', ['申诉编号', '申诉单号'], true),
      col('line_id', ['罚款编号', '罚单编号', '罚款单号'], true),
      col('submitted_at', ['申诉时间', '提交时间'], true),
      col('decision', ['处理结果', '申诉结果', '处理状态'], true),
      // required when the decision is reduced: checked row by row in queries/load/typed_appeals.sql
      col('decided_amount', ['减免后金额', '核定金额']),
      col('decided_at', ['处理时间', '审批时间']),
      // the appellant's or HR's own words: never shown outside the database
      sensitive('reason', ['说明', '申诉理由', '备注']),
      // the version: a later export of an appeal replaces the stored one unless this is older
      // (when the export has no update time, the decision time stands for it)
      col('updated_at', ['更新时间', '最后更新时间']),
    ],
  },
];

/** Header text compared without case, spaces, BOM or full-width forms. */
export function normaliseHeader(header: string): string {
  return header.replace(/^\uFEFF/, '').normalize('NFKC').trim().toLowerCase().replace(/[\s_]+/g, '_');
}

export function kindOfFile(fileName: string): KindDef | undefined {
  const lower = fileName.normalize('NFKC').toLowerCase();
  // longest prefix first, so that 'technicians' is not mistaken for something shorter
  const candidates = KINDS.flatMap((k) => k.prefixes.map((p) => ({ k, p }))).sort((a, b) => b.p.length - a.p.length);
  return candidates.find(({ p }) => lower.startsWith(p))?.k;
}

export interface HeaderMapping {
  /** canonical column -> index in the file's header */
  columns: Map<string, number>;
  /** headers that map to no column: kept out of the KPIs and reported */
  extra: string[];
  /** headers that map to a column already taken by an earlier header */
  repeated: string[];
  /** where those are: the column and the index of the later header */
  duplicates: { column: string; index: number }[];
}

/** Every accepted header spelling of a kind, normalised. */
export function headerSpellings(kind: KindDef): string[] {
  return kind.columns.flatMap((c) => [c.name, ...c.aliases].map(normaliseHeader));
}

export function mapHeader(kind: KindDef, headers: string[]): HeaderMapping {
  const lookup = new Map<string, string>();
  for (const c of kind.columns) {
    for (const spelling of [c.name, ...c.aliases]) lookup.set(normaliseHeader(spelling), c.name);
  }
  const columns = new Map<string, number>();
  const extra: string[] = [];
  const repeated: string[] = [];
  const duplicates: { column: string; index: number }[] = [];
  headers.forEach((h, i) => {
    const canonical = lookup.get(normaliseHeader(h));
    if (!canonical) extra.push(h);
    else if (columns.has(canonical)) {
      repeated.push(h);
      duplicates.push({ column: canonical, index: i });
    } else columns.set(canonical, i);
  });
  return { columns, extra, repeated, duplicates };
}

/** The columns of a kind that can hold a customer's phone number, name or free text. */
export function sensitiveColumns(kind: KindDef): string[] {
  return kind.columns.filter((c) => c.sensitive).map((c) => c.name);
}

export function acceptedHeaders(c: ColumnDef): string {
  return [c.name, ...c.aliases].join(', ');
}
