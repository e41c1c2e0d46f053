// Fault injection for the crash-safety tests (tests/kill.test.ts): SQ_KILL_AT=<point> makes the run
// kill itself with SIGKILL when it reaches that point, as a power cut or an OOM kill would. Unset,
// nothing happens. The points, in the order a run meets them:
//   build:<model>        inside the model build's transaction, after that model's rows are written
//   built                after the build's commit, before the invariants
//   checked              after the invariants and the checkpoint, before publishing
//   publish:technicians  technicians/<month>.json and the histories written (other lanes running)
//   publish:statements   HR's statements written
//   publish:tables       the Parquet tables written
//   publish:compression  every gzip copy and workbook written, the run folder still .incomplete-…
//   publish:run-folder   the run folder renamed into place, the manifest not yet switched
//   publish:manifest     the manifest switched, the publish state in the database not yet cleared
//   publish:cleared      the publish state cleared, the old runs not yet pruned
// and in the close command (npm run close):
//   close:frozen         inside the close's transaction, the month's lines frozen, month_closes not yet written

export function killPoint(point: string): void {
  if (process.env.SQ_KILL_AT === point) process.kill(process.pid, 'SIGKILL');
}
