// The config: defaults, partial files merged over them, and clear messages for bad values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig, mergeConfig, validateConfig } from '../pipeline/common/config.ts';

const defaults = () => JSON.parse(JSON.stringify(defaultConfig()));

describe('config', () => {
  it('ships the spec defaults', () => {
    const config = defaultConfig();
    expect(config.revisit.window_hours).toBe(72);
    expect(config.on_time).toEqual({ grace_minutes: 0, reschedule_notice_minutes: 20 });
    expect(config.ranking.technician_min_tickets).toBe(20);
    expect(config.ranking.outlet_min_tickets).toBe(50);
    expect(config.ranking.composite_weights).toEqual({ revisit_coverage: 0.25, satisfied_rate: 0.35, on_time_rate: 0.25, complaints: 0.15 });
    expect(config.escalation).toEqual({ training_violations_per_month: 3, training_violations_per_year: 5 });
    expect(config.outlet_overcharge_multiplier).toBe(10);
    expect(config.penalty_rules.map((r) => [r.rule_id, r.amount, r.dismissal])).toEqual([
      ['LATE_NO_NOTICE', 20, false],
      ['IMAGE', 20, false],
      ['NO_SHOE_COVERS', 50, false],
      ['FOUR_NOTS', 100, false],
      ['SITE_NOT_CLEANED', 50, false],
      ['NO_EXPLANATION', 30, false],
      ['OVERCHARGE', 500, true],
      ['TOP_COMPLAINT_RATE', 100, false],
      ['REPEAT_REPAIR', 50, false],
    ]);
    // repeat repairs are fined only by networks that switch the rule on
    expect(config.penalty_rules.find((r) => r.rule_id === 'REPEAT_REPAIR')?.enabled).toBe(false);
    expect(config.repeat_repair).toEqual({ window_days: 90 });
    expect(config.followup).toEqual({ week_days: 7, month_days: 30 });
    expect(config.settlement).toEqual({ fees_by_service_type: { install: 80, repair: 60, maintenance: 40, consultation: 0 }, payment_days: 60 });
  });

  it('merges a partial file over the defaults, rules by rule_id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sq-config-'));
    try {
      const path = join(dir, 'c.json');
      writeFileSync(path, JSON.stringify({
        revisit: { window_hours_by_service_type: { install: 48 } },
        penalty_rules: [{ rule_id: 'IMAGE', amount: 30 }, { rule_id: 'SAFETY', name_zh: '安全违规', name_en: 'Safety', amount: 200 }],
      }));
      const config = loadConfig(path);
      expect(config.revisit).toEqual({ window_hours: 72, window_hours_by_service_type: { install: 48 } });
      expect(config.penalty_rules.find((r) => r.rule_id === 'IMAGE')).toMatchObject({ amount: 30, name_zh: '上门形象不规范', enabled: true });
      expect(config.penalty_rules.find((r) => r.rule_id === 'SAFETY')).toEqual({
        rule_id: 'SAFETY', name_zh: '安全违规', name_en: 'Safety', amount: 200, dismissal: false, dismissal_when_repeated: false, enabled: true,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ ranking: { composite_weights: { revisit_coverage: 0.5 } } }, 'config: ranking.composite_weights must add up to 1 (they add up to 1.25)'],
    [{ revisit: { window_hours_by_service_type: { delivery: 24 } } }, 'config: revisit.window_hours_by_service_type has unknown service type "delivery" (accepted: install, repair, maintenance, consultation)'],
    [{ on_time: { grace_minutes: 'ten' } }, 'config: on_time.grace_minutes must be a number (got "ten")'],
    [{ escalation: { training_violations_per_month: 2.5 } }, 'config: escalation.training_violations_per_month must be a whole number (got 2.5)'],
    [{ duckdb: { memory_limit: 'lots' } }, 'config: duckdb.memory_limit must look like "2GB" (got "lots")'],
    [{ penalty_rules: [{ rule_id: 'IMAGE', amount: -5 }] }, 'config: penalty_rules[1].amount must be at least 0 (got -5)'],
    [{ repeat_repair: { window_days: 90.5 } }, 'config: repeat_repair.window_days must be a whole number (got 90.5)'],
    [{ followup: { week_days: -1 } }, 'config: followup.week_days must be at least 0 (got -1)'],
    [{ followup: { week_days: 40 } }, 'config: followup.month_days must be at least followup.week_days (got 30 < 40)'],
    [{ settlement: { fees_by_service_type: { delivery: 10 } } }, 'config: settlement.fees_by_service_type has unknown service type "delivery" (accepted: install, repair, maintenance, consultation)'],
    [{ settlement: { fees_by_service_type: { repair: '60' } } }, 'config: settlement.fees_by_service_type.repair must be a number (got "60")'],
    [{ settlement: { fees_by_service_type: [] } }, 'config: settlement.fees_by_service_type must be an object like {"install": 80, "repair": 60, "maintenance": 40, "consultation": 0}'],
    [{ settlement: { payment_days: 'sixty' } }, 'config: settlement.payment_days must be a number (got "sixty")'],
  ])('stops on a bad value: %j', (override, message) => {
    expect(() => validateConfig(mergeConfig(defaults(), override))).toThrow(new ConfigError(message));
  });

  it('needs a settlement fee for every service type', () => {
    const raw = defaults();
    delete raw.settlement.fees_by_service_type.consultation;
    expect(() => validateConfig(raw)).toThrow('config: settlement.fees_by_service_type.consultation must be a number (got undefined)');
  });

  it('will not run without a built-in rule (switch it off instead)', () => {
    const raw = defaults();
    raw.penalty_rules = raw.penalty_rules.filter((r: { rule_id: string }) => r.rule_id !== 'FOUR_NOTS');
    expect(() => validateConfig(raw)).toThrow('config: penalty_rules lacks the built-in rule FOUR_NOTS (set "enabled": false to switch it off)');
  });
});
