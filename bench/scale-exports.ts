// The benchmark's exports: the reference generator of the performance issue (a short Python
// script), ported line for line so that the benchmark needs no Python. Three files in canonical
// English headers: tickets.csv, revisits.csv, complaints.csv. Every ticket is created in 2026, at a
// uniformly random minute; outlets = max(5, n / 2000), technicians = max(20, n / 300); 95 % of
// tickets completed, 90 % of those revisited (92 % reached; 85/10/5 satisfied/neutral/unsatisfied),
// 1 % complained about. The draws are Python's own (python-random.ts), in the script's order, and
// the lines are written as Python's csv module writes them (CRLF), so the files are byte for byte
// the script's for the same size and seed.
//
// Rows are written as they are drawn, through a small buffer: ten million tickets need no more
// memory than ten. Owns the generation; imports its sibling python-random.ts; used by bench.ts.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PythonRandom } from './python-random.ts';

export const EXPORT_FILES = ['tickets.csv', 'revisits.csv', 'complaints.csv'] as const;

const CATEGORIES = ['空调', '热水器', '洗衣机', '冰箱', '油烟机'];
const SERVICE_TYPES = ['安装', '维修', '保养'];
const STANDARD_FEES = [0, 0, 0, 40, 30, 25];
/** one chance in 51 that a charged ticket is overcharged by 20 */
const EXTRA_FEES = [...Array<number>(50).fill(0), 20];
const VERDICTS = ['满意', '一般', '不满意'];
const VERDICT_WEIGHTS = [85, 10, 5];
const COMPLAINT_CATEGORIES = ['服务态度', '收费不合理', '服务不及时', '技术水平', '产品质量'];
const RESPONSIBLE = ['technician', 'outlet', 'product'];
const VERIFIED = ['Y', 'Y', 'N'];

const HEADERS = {
  tickets: 'ticket_id,outlet_id,technician_id,service_type,product_category,created_at,appointment_start,appointment_end,arrived_at,completed_at,status,fee_charged,fee_standard',
  revisits: 'revisit_id,ticket_id,revisit_at,reached,result,reason',
  complaints: 'complaint_id,ticket_id,received_at,category,responsible,verified',
};

const MINUTES_PER_DAY = 24 * 60;

/** Lines into a file through a buffer of about a megabyte: bounded memory, few system calls. */
class LineWriter {
  private readonly fd: number;
  private chunks: string[] = [];
  private length = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  line(text: string): void {
    this.chunks.push(text, '\r\n'); // the line terminator of Python's csv.writer
    this.length += text.length + 2;
    if (this.length > 1 << 20) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.length = 0;
  }
}

/**
 * Every time of the script is a whole minute after 2026-01-01 00:00 (naive local time, so no
 * zone or daylight saving): kept as that count of minutes, formatted with a cache of day texts.
 */
class MinuteClock {
  private readonly days: string[] = [];

  format(minutes: number): string {
    const day = Math.floor(minutes / MINUTES_PER_DAY);
    const inDay = minutes - day * MINUTES_PER_DAY;
    return `${this.dayText(day)} ${pad2(Math.floor(inDay / 60))}:${pad2(inDay % 60)}:00`;
  }

  private dayText(day: number): string {
    return (this.days[day] ??= new Date(Date.UTC(2026, 0, 1 + day)).toISOString().slice(0, 10));
  }
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const padded = (prefix: string, n: number, width: number) => `${prefix}${String(n).padStart(width, '0')}`;

/** The three files for n tickets: the reference script's rows, draw for draw. */
export function writeScaleExports(outDir: string, tickets: number, seed: number): void {
  mkdirSync(outDir, { recursive: true });
  const random = new PythonRandom(seed);
  const clock = new MinuteClock();
  const outlets = Math.max(5, Math.floor(tickets / 2000));
  const technicians = Math.max(20, Math.floor(tickets / 300));
  const ticketFile = new LineWriter(join(outDir, 'tickets.csv'));
  const revisitFile = new LineWriter(join(outDir, 'revisits.csv'));
  const complaintFile = new LineWriter(join(outDir, 'complaints.csv'));
  ticketFile.line(HEADERS.tickets);
  revisitFile.line(HEADERS.revisits);
  complaintFile.line(HEADERS.complaints);
  const counters = { revisits: 0, complaints: 0 };
  for (let i = 0; i < tickets; i++) {
    const ticket = drawTicket(random, i, technicians, outlets);
    ticketFile.line(ticketLine(ticket, random, clock));
    if (ticket.completed && random.random() < 0.9) revisitFile.line(revisitLine(ticket, ++counters.revisits, random, clock));
    if (random.random() < 0.01) complaintFile.line(complaintLine(ticket, ++counters.complaints, random, clock));
  }
  for (const file of [ticketFile, revisitFile, complaintFile]) file.close();
}

interface DrawnTicket {
  id: string;
  technician: number;
  outlet: number;
  created: number;
  appointment: number;
  arrived: number;
  done: number;
  completed: boolean;
  feeCharged: number;
  feeStandard: number;
}

/** the ticket's draws up to its fees, in the script's order (its row's choices follow in ticketLine) */
function drawTicket(random: PythonRandom, i: number, technicians: number, outlets: number): DrawnTicket {
  const technician = random.randrange(0, technicians);
  const created = random.randrange(0, 365 * MINUTES_PER_DAY);
  const unrounded = created + 60 * random.randrange(2, 48);
  const appointment = unrounded - (unrounded % 60); // replace(minute=0, second=0)
  const arrived = appointment + random.randrange(-20, 90);
  const done = arrived + random.randrange(20, 180);
  const completed = random.random() < 0.95;
  const feeStandard = random.choice(STANDARD_FEES);
  const feeCharged = feeStandard + (feeStandard ? random.choice(EXTRA_FEES) : 0);
  return { id: padded('T', i, 9), technician, outlet: technician % outlets, created, appointment, arrived, done, completed, feeCharged, feeStandard };
}

function ticketLine(t: DrawnTicket, random: PythonRandom, clock: MinuteClock): string {
  const serviceType = random.choice(SERVICE_TYPES);
  const category = random.choice(CATEGORIES);
  return [
    t.id, padded('O', t.outlet, 5), padded('E', t.technician, 6), serviceType, category,
    clock.format(t.created), clock.format(t.appointment), clock.format(t.appointment + 60),
    clock.format(t.arrived), clock.format(t.done), t.completed ? 'completed' : 'cancelled', t.feeCharged, t.feeStandard,
  ].join(',');
}

function revisitLine(t: DrawnTicket, n: number, random: PythonRandom, clock: MinuteClock): string {
  const reached = random.random() < 0.92;
  const verdict = reached ? random.weightedChoice(VERDICTS, VERDICT_WEIGHTS) : '';
  const at = t.done + 60 * random.randrange(1, 100);
  return [padded('R', n, 9), t.id, clock.format(at), reached ? 'Y' : 'N', verdict, verdict === '不满意' ? '服务态度差' : ''].join(',');
}

function complaintLine(t: DrawnTicket, n: number, random: PythonRandom, clock: MinuteClock): string {
  const at = t.done + MINUTES_PER_DAY * random.randrange(0, 10);
  return [padded('C', n, 8), t.id, clock.format(at), random.choice(COMPLAINT_CATEGORIES), random.choice(RESPONSIBLE), random.choice(VERIFIED)].join(',');
}
