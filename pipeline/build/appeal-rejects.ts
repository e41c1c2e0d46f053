// The rejects of appeals that only the built lines can tell (spec 6.3): an appeal naming no known
// line (unknown_line) or reducing a line to its amount or more (amount_out_of_range). The load
// stores such an appeal, as it cannot know; the build checks it against the lines it made
// (int_appeal_checks) and keeps the verdict where every reject is, in load_rejects, with the
// appeal's file and line, so that for every file rows read = rows loaded + rows rejected still
// holds: the file's counts in load_batches are those of its rejects now. The verdict is the build's
// and goes with the lines: an appeal that arrived before its line's ticket is rejected until the
// ticket is loaded, and then counts, as it would had both come in one load.
import type { Db } from '../common/db.ts';

/** The reasons only the build gives; the load never does (below 0 it says negative_amount). */
export const BUILD_REJECT_REASONS = ['unknown_line', 'amount_out_of_range'] as const;

const REASONS = BUILD_REJECT_REASONS.map((r) => `'${r}'`).join(', ');

/** Replaces the build's rejects of appeals in load_rejects with those of the current lines, and recounts the appeals files. */
export async function syncAppealRejects(db: Db): Promise<void> {
  const appealFiles = `select batch_id from load_batches where kind = 'appeals'`;
  await db.run(`delete from load_rejects where reason in (${REASONS}) and batch_id in (${appealFiles})`);
  // the raw line is not at hand (the file may be gone): the stored cells in the export's order,
  // without the free-text reason
  await db.run(`
    insert into load_rejects
    select
      checks.batch_id,
      batches.file_name,
      checks.source_line,
      checks.problem_column,
      checks.problem,
      shown_reject_value(checks.problem_value, false),
      mask_phone_numbers(concat_ws(',',
        checks.appeal_id, checks.line_id, strftime(checks.submitted_at, '%Y-%m-%d %H:%M:%S'), checks.decision,
        coalesce(checks.decided_amount::varchar, ''), coalesce(strftime(checks.decided_at, '%Y-%m-%d %H:%M:%S'), '')))
    from int_appeal_checks as checks
    join load_batches as batches
      on batches.batch_id = checks.batch_id
    where checks.problem is not null
      and batches.kind = 'appeals'
    order by checks.batch_id, checks.source_line`);
  await db.run(`
    update load_batches
    set
      rows_rejected = (select count(*) from load_rejects as rejects where rejects.batch_id = load_batches.batch_id),
      rows_loaded = rows_read - (select count(*) from load_rejects as rejects where rejects.batch_id = load_batches.batch_id)
    where kind = 'appeals'`);
}
