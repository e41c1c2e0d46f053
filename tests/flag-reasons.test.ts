// Why a technician is flagged (penalty_totals.training_reason and dismissal_reason): each reason
// code of dashboard/DATA.md worked out by hand on a tiny fixture, several reasons at once, the
// escaping of ids and rule ids, and null when the flag is false; then the codes as the penalties
// page words them in zh and en (dashboard/src/lib/reasons.ts).
import { describe, expect, it } from 'vitest';
import { flagReasons } from '../dashboard/src/lib/reasons.ts';
import { defaultConfig } from '../pipeline/common/config.ts';
import type { Row } from '../pipeline/common/db.ts';
import { fixtureDb, rows, ticket, tickets } from './helpers.ts';

const COLUMNS = ['technician_id', 'month', 'violations', 'violations_ytd', 'training', 'training_reason', 'dismissal_review', 'dismissal_reason'];

let n = 0;
/** A manual violation record (the unknown rule INSPECTION carries its own amount and no flag). */
function v(technicianId: string, at: string, amount: number | null = 10, ruleId = 'INSPECTION'): Row {
  return { violation_id: `V${++n}`, technician_id: technicianId, occurred_at: at, rule_id: ruleId, amount };
}

describe('training_reason and dismissal_reason', () => {
  it('name the month count, the year count with the month it reached the threshold, and the training before', async () => {
    n = 0;
    const db = await fixtureDb({
      violations: [
        // T1: January 1; February 3 → training by the month; March the 5th of the year → training by
        // the year (reached in March) and dismissal review after February's training; May: 6, the
        // threshold still dated March, the training still February's
        v('T1', '2026-01-10 10:00:00'),
        v('T1', '2026-02-05 10:00:00'), v('T1', '2026-02-06 10:00:00'), v('T1', '2026-02-07 10:00:00'),
        v('T1', '2026-03-03 10:00:00'),
        v('T1', '2026-05-03 10:00:00'),
        // T2: January 2, February 3 → both reasons at once (3 this month, 5 this year, reached in February)
        v('T2', '2026-01-10 10:00:00'), v('T2', '2026-01-11 10:00:00'),
        v('T2', '2026-02-10 10:00:00'), v('T2', '2026-02-11 10:00:00'), v('T2', '2026-02-12 10:00:00'),
        // T3: two, no flag: no reason
        v('T3', '2026-02-10 10:00:00'), v('T3', '2026-02-11 10:00:00'),
      ],
    });
    expect(await rows(db, 'penalty_totals', COLUMNS)).toEqual([
      { technician_id: 'T1', month: '2026-01', violations: 1, violations_ytd: 1, training: false, training_reason: null, dismissal_review: false, dismissal_reason: null },
      { technician_id: 'T1', month: '2026-02', violations: 3, violations_ytd: 4, training: true, training_reason: 'month:3', dismissal_review: false, dismissal_reason: null },
      { technician_id: 'T1', month: '2026-03', violations: 1, violations_ytd: 5, training: true, training_reason: 'ytd:5:2026-03', dismissal_review: true, dismissal_reason: 'after_training:2026-02' },
      { technician_id: 'T1', month: '2026-05', violations: 1, violations_ytd: 6, training: true, training_reason: 'ytd:6:2026-03', dismissal_review: true, dismissal_reason: 'after_training:2026-02' },
      { technician_id: 'T2', month: '2026-01', violations: 2, violations_ytd: 2, training: false, training_reason: null, dismissal_review: false, dismissal_reason: null },
      { technician_id: 'T2', month: '2026-02', violations: 3, violations_ytd: 5, training: true, training_reason: 'month:3;ytd:5:2026-02', dismissal_review: false, dismissal_reason: null },
      { technician_id: 'T3', month: '2026-02', violations: 2, violations_ytd: 2, training: false, training_reason: null, dismissal_review: false, dismissal_reason: null },
    ]);
    db.close();
  });

  it('name each line with the dismissal flag (rule, amount, evidence) in statement order, then the training before', async () => {
    n = 0;
    const db = await fixtureDb({
      tickets: [
        // T4: charged above the standard fee (OVERCHARGE from the ticket's fees: the ticket is the evidence)
        ticket('GD1', { technician_id: 'T4', fee_charged: 150, fee_standard: 100 }),
        // T5 in April: the same, after March's training
        ticket('GD2', { technician_id: 'T5', completed_at: '2026-04-02 13:00:00', appointment_start: '2026-04-02 10:00:00', appointment_end: '2026-04-02 12:00:00', arrived_at: '2026-04-02 11:00:00', fee_charged: 130, fee_standard: 100 }),
        ticket('GD3', { technician_id: 'T6' }),
      ],
      revisits: [
        // T6: the customer says the charge was not the standard one (the ticket is still the evidence)
        { revisit_id: 'HF1', ticket_id: 'GD3', revisit_at: '2026-03-03 10:00:00', charged_per_standard: false },
      ],
      violations: [
        // T5 in March: three lines → training; the supervisors' OVERCHARGE record (its own amount) → dismissal
        v('T5', '2026-03-01 10:00:00'), v('T5', '2026-03-02 10:00:00'), v('T5', '2026-03-03 10:00:00', 800, 'OVERCHARGE'),
        // T7: two records of a flagged rule in one month, named in the order they happened
        v('T7', '2026-03-09 10:00:00', null, 'OVERCHARGE'), v('T7', '2026-03-04 10:00:00', 250.5, 'OVERCHARGE'),
      ],
    });
    expect(await rows(db, 'penalty_totals', COLUMNS)).toEqual([
      { technician_id: 'T4', month: '2026-03', violations: 1, violations_ytd: 1, training: false, training_reason: null, dismissal_review: true, dismissal_reason: 'rule:OVERCHARGE:500:ticket:GD1' },
      { technician_id: 'T5', month: '2026-03', violations: 3, violations_ytd: 3, training: true, training_reason: 'month:3', dismissal_review: true, dismissal_reason: 'rule:OVERCHARGE:800:violation:V3' },
      { technician_id: 'T5', month: '2026-04', violations: 1, violations_ytd: 4, training: false, training_reason: null, dismissal_review: true, dismissal_reason: 'rule:OVERCHARGE:500:ticket:GD2;after_training:2026-03' },
      { technician_id: 'T6', month: '2026-03', violations: 1, violations_ytd: 1, training: false, training_reason: null, dismissal_review: true, dismissal_reason: 'rule:OVERCHARGE:500:ticket:GD3' },
      { technician_id: 'T7', month: '2026-03', violations: 2, violations_ytd: 2, training: false, training_reason: null, dismissal_review: true, dismissal_reason: 'rule:OVERCHARGE:250.5:violation:V5;rule:OVERCHARGE:500:violation:V4' },
    ]);
    db.close();
  });

  it("writes '%', ':' and ';' of a rule id or an id escaped, so that the codes split apart", async () => {
    const config = defaultConfig();
    config.penalty_rules.push({ rule_id: 'A:1;%', name_zh: '测试', name_en: 'Test', amount: 12.25, dismissal: true, dismissal_when_repeated: false, enabled: true });
    const db = await fixtureDb(
      { violations: [{ violation_id: 'V:9;%', technician_id: 'T1', occurred_at: '2026-03-01 10:00:00', rule_id: 'A:1;%', amount: null }] },
      config,
    );
    expect(await rows(db, 'penalty_totals', ['technician_id', 'dismissal_reason'])).toEqual([
      { technician_id: 'T1', dismissal_reason: 'rule:A%3A1%3B%25:12.25:violation:V%3A9%3B%25' },
    ]);
    db.close();
  });

  describe('TOP_COMPLAINT_RATE', () => {
    /** T1 first by complaint rate in December and January (20 tickets each month, T2 behind). */
    const fixture = () => ({
      tickets: ['2025-12-02', '2026-01-05'].flatMap((day) =>
        ['T1', 'T2'].flatMap((technicianId) =>
          tickets(technicianId, 20).map((t) =>
            ticket(`${String(t.ticket_id)}@${day}`, {
              technician_id: technicianId,
              appointment_start: `${day} 10:00:00`,
              appointment_end: `${day} 12:00:00`,
              arrived_at: `${day} 11:00:00`,
              completed_at: `${day} 13:00:00`,
            }),
          ),
        ),
      ),
      complaints: [
        { complaint_id: 'C1', technician_id: 'T1', received_at: '2025-12-05 10:00:00' },
        { complaint_id: 'C2', technician_id: 'T1', received_at: '2026-01-07 10:00:00' },
      ],
    });

    it('names first two months running when the repetition set the flag', async () => {
      const db = await fixtureDb(fixture());
      expect(await rows(db, 'penalty_totals', COLUMNS)).toEqual([
        { technician_id: 'T1', month: '2025-12', violations: 1, violations_ytd: 1, training: false, training_reason: null, dismissal_review: false, dismissal_reason: null },
        { technician_id: 'T1', month: '2026-01', violations: 1, violations_ytd: 1, training: false, training_reason: null, dismissal_review: true, dismissal_reason: 'top_complaint_rate:2' },
      ]);
      db.close();
    });

    it("names the rule itself when the schedule flags it every time (no evidence id: the month's rank)", async () => {
      const config = defaultConfig();
      const rule = config.penalty_rules.find((r) => r.rule_id === 'TOP_COMPLAINT_RATE')!;
      rule.dismissal = true;
      rule.amount = 200;
      const db = await fixtureDb(fixture(), config);
      expect(await rows(db, 'penalty_totals', ['technician_id', 'month', 'dismissal_reason'])).toEqual([
        { technician_id: 'T1', month: '2025-12', dismissal_reason: 'rule:TOP_COMPLAINT_RATE:200' },
        { technician_id: 'T1', month: '2026-01', dismissal_reason: 'rule:TOP_COMPLAINT_RATE:200' },
      ]);
      db.close();
    });
  });
});


describe('the reasons as the penalties page words them', () => {
  const rules = [
    { rule_id: 'OVERCHARGE', name_zh: '私收费、乱收费', name_en: 'Overcharging' },
    { rule_id: 'A:1;%', name_zh: '测试', name_en: 'Test' },
  ];

  it('words every code in Chinese, several in their order', () => {
    expect(flagReasons('zh', 'month:3;ytd:5:2026-05', rules)).toEqual(['本月违规 3 次', '本年累计违规 5 次 (2026-05 达到)']);
    expect(flagReasons('zh', 'rule:OVERCHARGE:500:ticket:GD1;top_complaint_rate:2;after_training:2026-03', rules)).toEqual([
      '私收费、乱收费 500 元, 工单 GD1',
      '投诉率连续两月第一',
      '培训后再犯 (2026-03 停工培训)',
    ]);
    expect(flagReasons('zh', 'rule:A%3A1%3B%25:12.25:violation:V%3A9%3B%25;rule:TOP_COMPLAINT_RATE:100;rule:X:1:complaint:C1;rule:Y:2:revisit:HF1', rules)).toEqual([
      '测试 12.25 元, 违规记录 V:9;%',
      'TOP_COMPLAINT_RATE 100 元',
      'X 1 元, 投诉 C1',
      'Y 2 元, 回访 HF1',
    ]);
  });

  it('words every code in English', () => {
    expect(flagReasons('en', 'month:1;month:3;ytd:5:2026-05', rules)).toEqual(['1 violation this month', '3 violations this month', '5 violations this year (threshold reached in 2026-05)']);
    expect(flagReasons('en', 'rule:OVERCHARGE:500:ticket:GD1;top_complaint_rate:2;top_complaint_rate:3;after_training:2026-03', rules)).toEqual([
      'Overcharging ¥500, ticket GD1',
      'highest complaint rate two months running',
      'highest complaint rate 3 months running',
      'violation after training (trained in 2026-03)',
    ]);
    expect(flagReasons('en', 'rule:A%3A1%3B%25:12.25:violation:V%3A9%3B%25', rules)).toEqual(['Test ¥12.25, violation record V:9;%']);
  });

  it('has no reason for a flag that is not set, and shows a code it does not know as it is', () => {
    expect(flagReasons('zh', null, rules)).toEqual([]);
    expect(flagReasons('en', undefined)).toEqual([]);
    expect(flagReasons('en', 'later:9;month:4')).toEqual(['later:9', '4 violations this month']);
  });
});
