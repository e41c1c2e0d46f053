// Why a technician is flagged, in the page's language: the reason codes of penalty_totals
// (training_reason, dismissal_reason; dashboard/DATA.md), one text per code, in their order. The
// downloads word the same codes in SQL (queries/publish/penalty_reasons.sql).
import { type Lang, translate } from './strings.ts';

/** A rule of the fine schedule with its names (run.json's config.penalty_rules). */
export interface RuleNames {
  rule_id: string;
  name_zh: string;
  name_en: string;
}

/** The reason codes of a row of penalties/<month>.json (null when the flag is not set). */
export interface FlagReasonCodes {
  training_reason?: string | null;
  dismissal_reason?: string | null;
}

/** The texts of a flag's reason codes (`code;code…`); none for a flag that is not set. */
export function flagReasons(lang: Lang, codes: string | null | undefined, rules: readonly RuleNames[] = []): string[] {
  if (!codes) return [];
  return codes.split(';').map((code) => reasonText(lang, code, rules));
}

/** One code: its kind, then fields joined by ':' (in an id or a rule id, % : ; are %-escaped). */
function reasonText(lang: Lang, code: string, rules: readonly RuleNames[]): string {
  const [kind, ...fields] = code.split(':').map(unescapeField);
  const [first = '', second = '', third = '', fourth = ''] = fields;
  switch (kind) {
    case 'month':
      return translate(lang, first === '1' ? 'pen.reason.month_one' : 'pen.reason.month', { n: first });
    case 'ytd':
      return translate(lang, 'pen.reason.ytd', { n: first, month: second });
    case 'after_training':
      return translate(lang, 'pen.reason.after_training', { month: first });
    case 'top_complaint_rate':
      return translate(lang, first === '2' ? 'pen.reason.top_complaint_rate_2' : 'pen.reason.top_complaint_rate', { n: first });
    case 'rule': {
      const rule = rules.find((r) => r.rule_id === first);
      const name = (lang === 'zh' ? rule?.name_zh : rule?.name_en) ?? first;
      const text = translate(lang, 'pen.reason.rule', { rule: name, amount: second });
      return fourth === '' ? text : `${text}, ${evidence(lang, third, fourth)}`;
    }
    default:
      return code; // a code this page does not know yet: as it is
  }
}

function evidence(lang: Lang, kind: string, id: string): string {
  switch (kind) {
    case 'ticket':
      return translate(lang, 'pen.reason.ticket', { id });
    case 'revisit':
      return translate(lang, 'pen.reason.revisit', { id });
    case 'complaint':
      return translate(lang, 'pen.reason.complaint', { id });
    case 'violation':
      return translate(lang, 'pen.reason.violation', { id });
    default:
      return `${kind} ${id}`;
  }
}

function unescapeField(field: string): string {
  try {
    return decodeURIComponent(field);
  } catch {
    return field;
  }
}
