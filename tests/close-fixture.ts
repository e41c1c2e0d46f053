// A small network with a closed month, late data and appeals, made the way HR makes it: exports
// loaded by the pipeline, January closed by the close command, then a late export and the appeals
// loaded by the next run. For the publish tests of the close's files and the pages that show them.
//
//   January   T1 IMAGE:V1, T2 FOUR_NOTS:V2, T3 IMAGE:V3; closed by hr-anna
//   late      V9 (T2, January) is new; V3 comes again as NO_SHOE_COVERS (IMAGE:V3 gone, NO_SHOE_COVERS:V3 new);
//             A1 waives IMAGE:V1 of the closed January: four adjustments booked in February; the
//             revisit of GD002 (January) arrives, settling it in January: a settlement adjustment
//   February  T1 IMAGE:V4 reduced to 10 (A2, after an earlier appeal A0 upheld it), T2
//             NO_SHOE_COVERS:V5 waived (A3), T3 IMAGE:V6 upheld (A4)
//   March     T1 IMAGE:V7 appealed, pending (A5); T3 FOUR_NOTS:V8
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../pipeline/common/config.ts';
import { runClose } from '../pipeline/close.ts';
import type { Manifest } from '../pipeline/publish/index.ts';
import { runPipeline } from '../pipeline/run.ts';

export interface CloseFixture {
  db: string;
  out: string;
  manifest: Manifest;
}

const TECHNICIANS = ['工程师工号,姓名,网点编号', 'T1,张伟,W1', 'T2,李娜,W1', 'T3,王强,W2'];
const OUTLETS = ['网点编号,网点名称,网点级别,城市', 'W1,济南历下服务中心,service_center,济南', 'W2,青岛市南维修站,repair_shop,青岛'];

/** Nine completed tickets a month (three per technician), each with a reached revisit the next day but GD002's. */
function ticketsAndRevisits(): { tickets: string[]; revisits: string[] } {
  const tickets = ['ticket_id,outlet_id,technician_id,service_type,created_at,appointment_start,appointment_end,arrived_at,completed_at,status,customer_phone'];
  const revisits = ['revisit_id,ticket_id,revisit_at,reached,result'];
  let n = 0;
  for (const month of ['01', '02', '03']) {
    for (const [outlet, technician] of [['W1', 'T1'], ['W1', 'T2'], ['W2', 'T3']]) {
      for (const day of ['05', '12', '19']) {
        n += 1;
        const id = String(n).padStart(3, '0');
        const at = (hour: string) => `2026-${month}-${day} ${hour}:00`;
        tickets.push(`GD${id},${outlet},${technician},repair,${at('09')},${at('10')},${at('12')},${at('11')},${at('13')},completed,1380000${id.padStart(4, '0')}`);
        if (id !== '002') revisits.push(`R${id},GD${id},2026-${month}-${Number(day) + 1} 10:00,是,满意`);
      }
    }
  }
  return { tickets, revisits };
}

const LATE_REVISITS = ['revisit_id,ticket_id,revisit_at,reached,result', 'R002,GD002,2026-01-28 10:00,是,满意'];

const VIOLATIONS = [
  '违规编号,工程师工号,发生时间,规则编号,罚款金额,说明',
  'V1,T1,2026-01-10 10:00,IMAGE,,',
  'V2,T2,2026-01-12 10:00,FOUR_NOTS,,',
  'V3,T3,2026-01-20 10:00,IMAGE,,',
  'V4,T1,2026-02-05 10:00,IMAGE,,',
  'V5,T2,2026-02-08 10:00,NO_SHOE_COVERS,,',
  'V6,T3,2026-02-15 10:00,IMAGE,,',
  'V7,T1,2026-03-03 10:00,IMAGE,,',
  'V8,T3,2026-03-09 10:00,FOUR_NOTS,,',
];

const LATE_VIOLATIONS = ['违规编号,工程师工号,发生时间,规则编号,罚款金额,说明', 'V9,T2,2026-01-25 10:00,IMAGE,,补录', 'V3,T3,2026-01-20 10:00,NO_SHOE_COVERS,,更正规则'];

/** The reason column holds words that must never be published (a phone number among them). */
export const APPEAL_REASON_MARK = '申诉理由-不得发布';

const APPEALS = [
  '申诉编号,罚款编号,申诉时间,处理结果,减免后金额,处理时间,说明',
  `A0,IMAGE:V4,2026-02-06 09:00,upheld,,2026-02-07 09:00,${APPEAL_REASON_MARK} 13800001111`,
  `A1,IMAGE:V1,2026-02-02 09:00,撤销,,2026-02-03 15:00,${APPEAL_REASON_MARK}`,
  `A2,IMAGE:V4,2026-02-09 09:00,减免,10,2026-02-10 16:30,${APPEAL_REASON_MARK}`,
  `A3,NO_SHOE_COVERS:V5,2026-02-09 10:00,waived,,2026-02-11 11:00,${APPEAL_REASON_MARK}`,
  `A4,IMAGE:V6,2026-02-16 10:00,维持,,2026-02-18 10:00,${APPEAL_REASON_MARK}`,
  `A5,IMAGE:V7,2026-03-04 10:00,待处理,,,${APPEAL_REASON_MARK}`,
];

function write(dir: string, files: Record<string, string[]>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, name), lines.join('\n') + '\n');
}

/**
 * The fixture under `work`: the first run, the close of January (`by` hr-anna), and a second run
 * with the late export and the appeals; its database and output folder.
 */
export async function makeCloseFixture(work: string): Promise<CloseFixture> {
  const config = defaultConfig();
  const db = join(work, 'warehouse.duckdb');
  const out = join(work, 'out');
  const input = join(work, 'in');
  const { tickets, revisits } = ticketsAndRevisits();
  write(input, { '工程师.csv': TECHNICIANS, '网点.csv': OUTLETS, '工单.csv': tickets, '回访.csv': revisits, '违规.csv': VIOLATIONS });
  await runPipeline({ input, db, out, config });
  await runClose({ month: '2026-01', db, out, config, by: 'hr-anna' });
  write(input, { '违规_补录.csv': LATE_VIOLATIONS, '回访_补录.csv': LATE_REVISITS, '申诉.csv': APPEALS });
  const result = await runPipeline({ input, db, out, config });
  return { db, out, manifest: result.manifest! };
}
