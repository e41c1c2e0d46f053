import { Db } from '/work/main/pipeline/db.ts';
const db = await Db.open(process.argv[2]!);
for (const q of process.argv.slice(3)) { console.table(await db.all(q)); }
db.close();
