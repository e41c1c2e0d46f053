// The run configuration: every (config) value of the spec and the penalty schedule.
// Validated at start so that a bad value stops the run with a message naming it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PenaltyRule {
  rule_id: string;
  name_zh: string;
  name_en: string;
  amount: number;
  dismissal: boolean;
  /** TOP_COMPLAINT_RATE: dismissal when the technician was also first the month before */
  dismissal_when_repeated: boolean;
  enabled: boolean;
}

export interface Config {
  revisit: { window_hours: number; window_hours_by_service_type: Record<string, number> };
  on_time: { grace_minutes: number; reschedule_notice_minutes: number };
  ranking: {
    technician_min_tickets: number;
    outlet_min_tickets: number;
    composite_weights: { revisit_coverage: number; satisfied_rate: number; on_time_rate: number; complaints: number };
    complaint_rate_scale: number;
  };
  escalation: { training_violations_per_month: number; training_violations_per_year: number };
  outlet_overcharge_multiplier: number;
  /** a repair is a repeat of the job before it on the same product within this many days */
  repeat_repair: { window_days: number };
  /** an unsatisfied customer's follow-up calls: one within week_days, two within month_days of the verdict call */
  followup: { week_days: number; month_days: number };
  /** outlet settlement: the fee of a completed ticket by service type; payment this many days after the month */
  settlement: { fees_by_service_type: Record<(typeof SERVICE_TYPES)[number], number>; payment_days: number };
  penalty_rules: PenaltyRule[];
  duckdb: { threads: number; memory_limit: string };
}

export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../data/config.json', import.meta.url));
export const SERVICE_TYPES = ['install', 'repair', 'maintenance', 'consultation'] as const;
const BUILT_IN_RULES = ['LATE_NO_NOTICE', 'IMAGE', 'NO_SHOE_COVERS', 'FOUR_NOTS', 'SITE_NOT_CLEANED', 'NO_EXPLANATION', 'OVERCHARGE', 'TOP_COMPLAINT_RATE', 'REPEAT_REPAIR'];

export class ConfigError extends Error {}

type Json = unknown;

function at(obj: Json, path: string): Json {
  let cur: Json = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, Json>)[part];
  }
  return cur;
}

function num(obj: Json, path: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  return numValue(at(obj, path), path, opts);
}

function numValue(v: Json, path: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`config: ${path} must be a number (got ${JSON.stringify(v)})`);
  if (opts.integer && !Number.isInteger(v)) throw new ConfigError(`config: ${path} must be a whole number (got ${v})`);
  if (opts.min !== undefined && v < opts.min) throw new ConfigError(`config: ${path} must be at least ${opts.min} (got ${v})`);
  if (opts.max !== undefined && v > opts.max) throw new ConfigError(`config: ${path} must be at most ${opts.max} (got ${v})`);
  return v;
}

function bool(v: Json, path: string, fallback?: boolean): boolean {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`config: ${path} must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

function str(v: Json, path: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`config: ${path} must be a non-empty text (got ${JSON.stringify(v)})`);
  return v;
}

export function validateConfig(raw: Json): Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('config: the file must hold a JSON object');

  const byType = at(raw, 'revisit.window_hours_by_service_type') ?? {};
  if (byType === null || typeof byType !== 'object' || Array.isArray(byType)) {
    throw new ConfigError('config: revisit.window_hours_by_service_type must be an object like {"install": 48}');
  }
  const window_hours_by_service_type: Record<string, number> = {};
  for (const [type, hours] of Object.entries(byType as Record<string, Json>)) {
    if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
      throw new ConfigError(`config: revisit.window_hours_by_service_type has unknown service type "${type}" (accepted: ${SERVICE_TYPES.join(', ')})`);
    }
    window_hours_by_service_type[type] = numValue(hours, `revisit.window_hours_by_service_type.${type}`, { min: 0 });
  }

  const rulesRaw = at(raw, 'penalty_rules');
  if (!Array.isArray(rulesRaw) || rulesRaw.length === 0) throw new ConfigError('config: penalty_rules must be a non-empty list');
  const seen = new Set<string>();
  const penalty_rules = rulesRaw.map((r: Json, i): PenaltyRule => {
    const p = `penalty_rules[${i}]`;
    if (r === null || typeof r !== 'object') throw new ConfigError(`config: ${p} must be an object`);
    const o = r as Record<string, Json>;
    const rule_id = str(o.rule_id, `${p}.rule_id`);
    if (!/^[A-Za-z0-9_-]+$/.test(rule_id)) throw new ConfigError(`config: ${p}.rule_id "${rule_id}" may hold only letters, digits, _ and -`);
    if (seen.has(rule_id)) throw new ConfigError(`config: rule_id "${rule_id}" appears twice in penalty_rules`);
    seen.add(rule_id);
    return {
      rule_id,
      name_zh: str(o.name_zh, `${p}.name_zh`),
      name_en: str(o.name_en, `${p}.name_en`),
      amount: numValue(o.amount, `${p}.amount`, { min: 0 }),
      dismissal: bool(o.dismissal, `${p}.dismissal`, false),
      dismissal_when_repeated: bool(o.dismissal_when_repeated, `${p}.dismissal_when_repeated`, false),
      enabled: bool(o.enabled, `${p}.enabled`, true),
    };
  });
  for (const id of BUILT_IN_RULES) {
    if (!seen.has(id)) throw new ConfigError(`config: penalty_rules lacks the built-in rule ${id} (set "enabled": false to switch it off)`);
  }

  const weights = {
    revisit_coverage: num(raw, 'ranking.composite_weights.revisit_coverage', { min: 0, max: 1 }),
    satisfied_rate: num(raw, 'ranking.composite_weights.satisfied_rate', { min: 0, max: 1 }),
    on_time_rate: num(raw, 'ranking.composite_weights.on_time_rate', { min: 0, max: 1 }),
    complaints: num(raw, 'ranking.composite_weights.complaints', { min: 0, max: 1 }),
  };
  const weightSum = weights.revisit_coverage + weights.satisfied_rate + weights.on_time_rate + weights.complaints;
  if (Math.abs(weightSum - 1) > 1e-9) throw new ConfigError(`config: ranking.composite_weights must add up to 1 (they add up to ${weightSum})`);

  const followup = {
    week_days: num(raw, 'followup.week_days', { min: 0, integer: true }),
    month_days: num(raw, 'followup.month_days', { min: 0, integer: true }),
  };
  if (followup.month_days < followup.week_days) {
    throw new ConfigError(`config: followup.month_days must be at least followup.week_days (got ${followup.month_days} < ${followup.week_days})`);
  }

  const memory_limit = str(at(raw, 'duckdb.memory_limit') ?? '1.5GB', 'duckdb.memory_limit');
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memory_limit)) {
    throw new ConfigError(`config: duckdb.memory_limit must look like "2GB" (got "${memory_limit}")`);
  }

  return {
    revisit: { window_hours: num(raw, 'revisit.window_hours', { min: 0 }), window_hours_by_service_type },
    on_time: {
      grace_minutes: num(raw, 'on_time.grace_minutes', { min: 0 }),
      reschedule_notice_minutes: num(raw, 'on_time.reschedule_notice_minutes', { min: 0 }),
    },
    ranking: {
      technician_min_tickets: num(raw, 'ranking.technician_min_tickets', { min: 0, integer: true }),
      outlet_min_tickets: num(raw, 'ranking.outlet_min_tickets', { min: 0, integer: true }),
      composite_weights: weights,
      complaint_rate_scale: num(raw, 'ranking.complaint_rate_scale', { min: 0 }),
    },
    escalation: {
      training_violations_per_month: num(raw, 'escalation.training_violations_per_month', { min: 1, integer: true }),
      training_violations_per_year: num(raw, 'escalation.training_violations_per_year', { min: 1, integer: true }),
    },
    outlet_overcharge_multiplier: num(raw, 'outlet_overcharge_multiplier', { min: 0 }),
    repeat_repair: { window_days: num(raw, 'repeat_repair.window_days', { min: 0, integer: true }) },
    followup,
    settlement: { fees_by_service_type: settlementFees(raw), payment_days: num(raw, 'settlement.payment_days', { min: 0, integer: true }) },
    penalty_rules,
    duckdb: {
      threads: at(raw, 'duckdb.threads') === undefined ? 2 : num(raw, 'duckdb.threads', { min: 1, integer: true }),
      memory_limit,
    },
  };
}

/** The settlement fee of every service type: each one given, none unknown. */
function settlementFees(raw: Json): Config['settlement']['fees_by_service_type'] {
  const path = 'settlement.fees_by_service_type';
  const fees = at(raw, path);
  if (fees === null || typeof fees !== 'object' || Array.isArray(fees)) {
    throw new ConfigError(`config: ${path} must be an object like {"install": 80, "repair": 60, "maintenance": 40, "consultation": 0}`);
  }
  for (const type of Object.keys(fees)) {
    if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
      throw new ConfigError(`config: ${path} has unknown service type "${type}" (accepted: ${SERVICE_TYPES.join(', ')})`);
    }
  }
  const fee = (type: (typeof SERVICE_TYPES)[number]) => num(raw, `${path}.${type}`, { min: 0 });
  return { install: fee('install'), repair: fee('repair'), maintenance: fee('maintenance'), consultation: fee('consultation') };
}

/**
 * A user's config file need only hold what it changes: objects merge over the defaults, and
 * penalty_rules merge by rule_id (a listed rule overrides the fields it names; a new id is added).
 */
export function mergeConfig(defaults: Json, overrides: Json): Json {
  if (Array.isArray(defaults) && Array.isArray(overrides)) {
    const byId = new Map<string, Json>();
    for (const r of defaults) byId.set(String((r as Record<string, Json>).rule_id), r);
    for (const r of overrides) {
      const id = String((r as Record<string, Json> | null)?.rule_id);
      byId.set(id, byId.has(id) ? mergeConfig(byId.get(id), r) : r);
    }
    return [...byId.values()];
  }
  if (isObject(defaults) && isObject(overrides)) {
    const out: Record<string, Json> = { ...defaults };
    for (const [k, v] of Object.entries(overrides)) out[k] = k in defaults ? mergeConfig(defaults[k], v) : v;
    return out;
  }
  return overrides;
}

function isObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function readJson(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`config: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config: ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export function loadConfig(path: string = DEFAULT_CONFIG_PATH): Config {
  const defaults = readJson(DEFAULT_CONFIG_PATH);
  if (path === DEFAULT_CONFIG_PATH) return validateConfig(defaults);
  const overrides = readJson(path);
  if (!isObject(overrides)) throw new ConfigError(`config: ${path} must hold a JSON object`);
  return validateConfig(mergeConfig(defaults, overrides));
}

export function defaultConfig(): Config {
  return loadConfig(DEFAULT_CONFIG_PATH);
}
