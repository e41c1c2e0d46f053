// Small rows files of the downloads (runs/<run>/download_rows/<input>/<month>.parquet), written with
// DuckDB in the columns and types the publish writes them (pipeline/publish/downloads.ts: each the
// month's rows of a table the statements' SQL reads), for tests of the server that need a download
// without running the pipeline. One technician (T1 of outlet W1, 王师傅, one IMAGE line of ¥20.00)
// and two outlets in the settlement: 张三 (an install settled, ¥80) and W1 (a repair settled, ¥120),
// both paid on the 28th of the month after.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const MONEY = 'decimal(18, 2)';

/** Each input of the month: its rows as a query (`$month`: the month, `$due`: its payment date). */
const INPUTS: Record<string, string> = {
  penalty_lines: `
    select $month as month, 'T1' as technician_id, 'W1' as outlet_id, 'IMAGE' as rule_id, 20::${MONEY} as amount,
      ($month || '-01 10:00:00')::timestamp as occurred_at, 'GD1' as ticket_id, null::varchar as revisit_id,
      null::varchar as complaint_id, null::varchar as violation_id, false as dismissal, '图片不合格' as rule_name_zh,
      'Image rejected' as rule_name_en, 'IMAGE:GD1' as line_id, null::varchar as related_ticket_id, null::varchar as appeal_id,
      null::varchar as appeal_decision, null::${MONEY} as amount_before_appeal`,
  penalty_totals: `
    select $month as month, 'T1' as technician_id, '王师傅' as technician_name, 'W1' as outlet_id, '青岛一店' as outlet_name,
      1::bigint as violations, 20::${MONEY} as amount, 0::${MONEY} as adjustments, 20::${MONEY} as amount_due,
      1::bigint as violations_ytd, false as training, false as dismissal_review, null::varchar as training_reason,
      null::varchar as dismissal_reason`,
  penalty_reasons: `select null::varchar as month, null::varchar as technician_id, null::varchar as lang, null::varchar as training_text, null::varchar as dismissal_text where false`,
  technician_names: `select 'T1' as technician_id, '王师傅' as name`,
  outlet_names: `select 'W1' as outlet_id, '青岛一店' as name`,
  settlement_totals: `
    with totals as (select * from (values
      ($month, '张三', '张三网点', 'authorized', 1::bigint, 80::${MONEY}, [{'service_type': 'install', 'tickets': 1::bigint, 'fees': 80::${MONEY}}]),
      ($month, 'W1', '青岛一店', 'service_center', 1::bigint, 120::${MONEY}, [{'service_type': 'repair', 'tickets': 1::bigint, 'fees': 120::${MONEY}}])
    ) as totals(month, outlet_id, outlet_name, tier, tickets_settled, fees, settled_by_service))
    select month, outlet_id, outlet_name, tier, tickets_settled, fees, 0::${MONEY} as outlet_fines, fees as net,
      0::bigint as tickets_withheld, 0::${MONEY} as withheld_fees, $due::date as payment_due, 0::${MONEY} as fee_adjustments,
      0::${MONEY} as fine_adjustments, 0::${MONEY} as adjustments, fees as amount_due, settled_by_service,
      []::struct(withheld_reason varchar, tickets bigint, fees ${MONEY})[] as withheld_by_reason,
      []::struct(completion_month varchar, tickets bigint, fees ${MONEY})[] as withheld_by_completion_month
    from totals`,
  settlement_withheld: `
    select null::varchar as outlet_id, null::varchar as ticket_id, null::varchar as technician_id, null::varchar as technician_name,
      null::varchar as service_type, null::timestamp as completed_at, null::${MONEY} as fee, null::varchar as withheld_from,
      null::varchar as withheld_to, null::varchar as withheld_reason, null::bigint as calls, null::varchar as last_call_id,
      null::timestamp as last_call_at
    where false`,
  outlet_fines: `
    select null::varchar as month, null::varchar as outlet_id, null::varchar as complaint_id, null::varchar as ticket_id,
      null::${MONEY} as overcharge, null::${MONEY} as amount, null::varchar as line_id
    where false`,
};

/** Writes the month's inputs of the downloads into the run folder, as the publish does. */
export async function writeDownloadRows(runDir: string, month: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const due = `${month}-28`;
  try {
    for (const [input, rows] of Object.entries(INPUTS)) {
      const dir = join(runDir, 'download_rows', input);
      mkdirSync(dir, { recursive: true });
      const query = rows.replaceAll('$month', `'${month}'`).replaceAll('$due', `'${due}'`);
      await connection.run(`copy (${query}) to '${join(dir, `${month}.parquet`).replaceAll("'", "''")}' (format parquet)`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Writes the outlets' rows (outlet_rows/, pipeline/publish/outlet-rows.ts) into the run folder, as
 * the publish does: three outlets with folders (张三 and A/B, whose ids are no plain folder names,
 * and W1), one outlet known from its settlement only (W9); a technician each in technicians.parquet,
 * and 300 tickets settled at W1 (a file large enough to be sent gzipped) in March's file of the
 * contract table, tables/settlement_lines/2026-03.parquet, by T1, whose name is in technician_names.parquet.
 */
export async function writeOutletRowsFixture(runDir: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const dir = join(runDir, 'outlet_rows');
  const to = (family: string) => `'${join(dir, `${family}.parquet`).replaceAll("'", "''")}'`;
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(runDir, 'tables', 'settlement_lines'), { recursive: true });
  try {
    await connection.run(`copy (select * from (values ('A/B', true), ('W1', true), ('W9', false), ('张三', true)) as outlets(outlet_id, own_files) order by outlet_id) to ${to('outlets')} (format parquet)`);
    await connection.run(`copy (select * from (values ('2026-03', 'T2', 'A/B'), ('2026-03', 'T1', 'W1'), ('2026-03', 'T7', '张三')) as rows(month, technician_id, outlet_id) order by outlet_id) to ${to('technicians')} (format parquet)`);
    await connection.run(`copy (select 'T1' as technician_id, '王师傅' as name) to ${to('technician_names')} (format parquet)`);
    await connection.run(`
      copy (
        select '2026-03' as settlement_month, 'W1' as outlet_id, 'GD' || lpad(i::varchar, 4, '0') as ticket_id, 'T1' as technician_id,
               'repair' as service_type, timestamp '2026-03-01 09:00:00' + to_minutes(i) as completed_at,
               'R' || lpad(i::varchar, 4, '0') as revisit_id, timestamp '2026-03-02 10:00:00' as revisit_at,
               120.00::decimal(18, 2) as fee, 'SETTLE:GD' || lpad(i::varchar, 4, '0') as line_id
        from range(300) as tickets(i)
        order by outlet_id, completed_at, ticket_id
      ) to '${join(runDir, 'tables', 'settlement_lines', '2026-03.parquet').replaceAll("'", "''")}' (format parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
