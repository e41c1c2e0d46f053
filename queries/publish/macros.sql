-- Text helpers for the files the publish step builds set-based: HR's CSV lines and the XLSX sheet
-- rows (SpreadsheetML cells). Temporary: they live only as long as the publish connection. They run
-- once per cell, so the common case is a few contains() tests and one concat(); a row that needs
-- more (see xml_rare) takes the careful path.

-- A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; an empty text is
-- quoted too, so that it reads back apart from a missing value (an empty field).
create or replace temp macro csv_field(v) as case
  when v is null then ''
  when v = '' or contains(v, '"') or contains(v, ',') or contains(v, chr(10)) or contains(v, chr(13)) then '"' || replace(v, '"', '""') || '"'
  else v
end;

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

-- One worksheet cell in column `col` of row `r`, or null (no cell) for a missing value. Text is
-- written inline (no shared-strings part to build); in a rare row its surrounding blanks are kept.
create or replace temp macro xlsx_text(col, r, v, rare) as case
  when v is not null then concat(
    '<c r="', col, r, '" t="inlineStr"><is><t',
    case when rare and (ascii(v) <= 32 or ascii(right(v, 1)) <= 32) then ' xml:space="preserve"' else '' end,
    '>', case when rare then xml_clean(v) else xml_escape(v) end, '</t></is></c>')
end;

create or replace temp macro xlsx_number(col, r, v) as case
  when v is not null then concat('<c r="', col, r, '"><v>', v::varchar, '</v></c>')
end;

create or replace temp macro xlsx_boolean(col, r, v) as case
  when v is not null then concat('<c r="', col, r, '" t="b"><v>', case when v then '1' else '0' end, '</v></c>')
end;
