-- Text helpers for the files the publish step builds set-based: the CSV lines and the XLSX sheet
-- rows (SpreadsheetML cells) of every download, HR's and the outlets'. Temporary: they live only as
-- long as the publish connection. They run once per cell, so the common case is a few contains()
-- tests and one concat(); a row that needs more (see xml_rare) takes the careful path.
--
-- Spreadsheet safety (OWASP CSV injection): a text cell never becomes a formula. A text that starts
-- with =, +, -, @, a tab or a return (formula_like) gets a leading ' in a CSV, which Excel and
-- LibreOffice show as text; in a workbook it stays an inline string (never evaluated) and gets a
-- quote-prefix style, so that editing the cell does not turn it into a formula either. Numbers are
-- written as numbers, whatever their sign.

-- The downloads' wording in the pages' two languages: zh unless 'en'.
create or replace temp macro pub_text(lang, zh, en) as case when lang = 'en' then en else zh end;

-- (list_contains, not IN: DuckDB may plan an IN list as a join, one for every cell of a row)
create or replace temp macro formula_like(v) as list_contains([61, 43, 45, 64, 9, 13], ascii(v));

-- A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; an empty text is
-- quoted too, so that it reads back apart from a missing value (an empty field).
create or replace temp macro csv_field(v) as case
  when v is null then ''
  when v = '' or contains(v, '"') or contains(v, ',') or contains(v, chr(10)) or contains(v, chr(13)) then '"' || replace(v, '"', '""') || '"'
  else v
end;

-- A text CSV field: formula-looking text starts with ' (numbers go through csv_field as they are).
create or replace temp macro csv_text(v) as csv_field(case when formula_like(v) then '''' || v else v end);

-- True when a row, as to_json prints it, may hold a text XML 1.0 cannot carry as it is: a control
-- character (JSON escapes them: \u00XX, \b, \f) or a text that starts or ends with a blank (a
-- space, or an escape, right after the opening or before the closing quote of a value). It may
-- answer true for a row that needs nothing, which only costs the careful path.
create or replace temp macro xml_rare(json_row) as
  contains(json_row, '\u00') or contains(json_row, '\b') or contains(json_row, '\f')
  or contains(json_row, ':" ') or contains(json_row, ':"\') or contains(json_row, ' ",') or contains(json_row, ' "}')
  or contains(json_row, '\t"') or contains(json_row, '\n"') or contains(json_row, '\r"');

-- Text as XML character data: markup escaped.
create or replace temp macro xml_escape(v) as case
  when contains(v, '&') or contains(v, '<') or contains(v, '>') then replace(replace(replace(v, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')
  else v
end;

-- The same, with the control characters XML 1.0 cannot carry (all below a space but tab, line
-- feed and return) dropped.
create or replace temp macro xml_clean(v) as xml_escape(regexp_replace(v, '[\x00-\x08\x0B\x0C\x0E-\x1F]', '', 'g'));

-- One worksheet cell in column `col` of row `r` with the style `s` (an index of the workbook's cell
-- formats, workbook.ts), or null (no cell) for a missing value. Text is written inline (no
-- shared-strings part to build); in a rare row its surrounding blanks are kept; a formula-looking
-- text takes the style `quoted` (the same format with the quote prefix).
create or replace temp macro xlsx_style(s) as case when s = 0 then '' else concat(' s="', s, '"') end;

create or replace temp macro xlsx_text(col, r, v, rare, s, quoted) as case
  when v is not null then concat(
    '<c r="', col, r, '"', xlsx_style(case when formula_like(v) then quoted else s end), ' t="inlineStr"><is><t',
    case when rare and (ascii(v) <= 32 or ascii(right(v, 1)) <= 32) then ' xml:space="preserve"' else '' end,
    '>', case when rare then xml_clean(v) else xml_escape(v) end, '</t></is></c>')
end;

create or replace temp macro xlsx_number(col, r, v, s) as case
  when v is not null then concat('<c r="', col, r, '"', xlsx_style(s), '><v>', v::varchar, '</v></c>')
end;

-- A naive local time as Excel's serial number (days since 1899-12-30, the time as the fraction), in
-- a cell whose style gives it a date format: the wall-clock time, no zone shift.
create or replace temp macro xlsx_time(col, r, v, s) as case
  when v is not null then concat('<c r="', col, r, '"', xlsx_style(s), '><v>', (epoch_us(v) / 86400000000 + 25569)::varchar, '</v></c>')
end;

-- Reason codes (queries/marts/penalty_totals.sql) keep '%', ':' and ';' of an id escaped.
create or replace temp macro reason_field(v) as replace(replace(replace(v, '%3B', ';'), '%3A', ':'), '%25', '%');

-- A reason code of penalty_totals worded in a language (queries/publish/penalty_reasons.sql): part
-- is the code split at ':', names the schedule's rule names by rule id ({zh, en}). A code it does
-- not know is shown as it is.
create or replace temp macro reason_rule_name(names, rule_id, lang) as
  coalesce(pub_text(lang, map_extract_value(names, rule_id).zh, map_extract_value(names, rule_id).en), rule_id);
create or replace temp macro reason_text(part, code, lang, names) as case part[1]
  when 'month' then pub_text(lang,
    '本月违规 ' || part[2] || ' 次',
    part[2] || case when part[2] = '1' then ' violation' else ' violations' end || ' this month')
  when 'ytd' then pub_text(lang,
    '本年累计违规 ' || part[2] || ' 次 (' || part[3] || ' 达到)',
    part[2] || ' violations this year (threshold reached in ' || part[3] || ')')
  when 'after_training' then pub_text(lang,
    '培训后再犯 (' || part[2] || ' 停工培训)',
    'violation after training (trained in ' || part[2] || ')')
  when 'top_complaint_rate' then pub_text(lang,
    '投诉率连续' || case when part[2] = '2' then '两' else part[2] end || '月第一',
    'highest complaint rate ' || case when part[2] = '2' then 'two' else part[2] end || ' months running')
  when 'rule' then reason_rule_name(names, reason_field(part[2]), lang) || ' ' || pub_text(lang, part[3] || ' 元', '¥' || part[3])
    || case when reason_field(part[5]) is not null then ', ' || pub_text(lang,
      case part[4] when 'ticket' then '工单' when 'violation' then '违规记录' when 'complaint' then '投诉' when 'revisit' then '回访' else part[4] end,
      case part[4] when 'violation' then 'violation record' else part[4] end
    ) || ' ' || reason_field(part[5]) else '' end
  else code
end;
