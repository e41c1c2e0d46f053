-- Parsing rules shared by the typing queries in queries/load/.
-- Each parse_* macro returns null for a blank value and for a value it does not accept;
-- the typing query tells the two apart by looking at the text (blank vs. not blank).

-- Surrounding spaces trimmed, blank to null: for files whose values hold no other blanks.
-- (trim copies every value; most values have no surrounding spaces, so they are checked first)
create or replace macro norm_text_plain(v) as case
  when starts_with(v, ' ') or ends_with(v, ' ') then nullif(trim(v), '')
  else nullif(v, '')
end;

-- Surrounding spaces, tabs, line breaks and a stray byte-order mark trimmed, blank to null.
create or replace macro norm_text(v) as nullif(trim(v, E' \t\r\n' || chr(65279)), '');

-- The same, plus the full-width forms Chinese input methods type (U+FF01–FF5E: digits, letters,
-- punctuation) to their ASCII forms, and the ideographic and no-break spaces to spaces, as Unicode
-- NFKC does. Used only for files that hold such characters: translate() is costly, and most
-- exports have none.
create or replace macro norm_text_wide(v) as case
  when regexp_matches(v, '[\x{FF01}-\x{FF5E}\x{3000}\x{00A0}]') then nullif(trim(translate(
    v,
    '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～' || chr(12288) || chr(160),
    '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~  '
  ), E' \t\r\n' || chr(65279)), '')
  else norm_text(v)
end;

-- A header cell compared as kinds.ts compares headers: case, spaces and underscores aside.
create or replace macro norm_header(v) as lower(regexp_replace(replace(v, chr(65279), ''), '[\s_]+', '_', 'g'));
-- The same, with the regular expression only for values that hold a space, an underscore or a
-- byte-order mark (it runs on every row's key, to find repeated headers; contains() is cheap).
create or replace macro norm_header_quick(v) as case
  when contains(v, ' ') or contains(v, '_') or contains(v, chr(9)) or contains(v, chr(10)) or contains(v, chr(13))
    or contains(v, chr(12)) or contains(v, chr(11)) or contains(v, chr(65279)) then norm_header(v)
  else lower(v)
end;

-- The label of a summary row at the end of an export (合计, 总计: 56, 小计, Total …), as a cell's
-- whole text; row_has_summary_label finds one among a row's cells joined by chr(31).
create or replace macro row_has_summary_label(cells) as regexp_matches(
  cells,
  '(^|\x1f)\s*([合总小共]\s*计|汇\s*总|总\s*数)|(^|\x1f)\s*((grand|sub)\s*)?total(\s*[:：(（][^\x1f]*|\s*[0-9][^\x1f]*)?\s*(\x1f|$)|(^|\x1f)\s*sum(\s*[:：][^\x1f]*)?\s*(\x1f|$)',
  'i'
);
-- (every label holds 计, 汇, 总, total or sum: one quick search first, the full patterns only then)
create or replace macro is_summary_label(v) as case
  when not coalesce(regexp_matches(v, '[计汇总]|(?i:total|sum)'), false) then false
  else coalesce(
    regexp_full_match(v, '\s*([合总小共]\s*计|汇\s*总|总\s*数)(.|\n)*')
    or regexp_full_match(v, '\s*((grand|sub)\s*)?total(\s*[:：(（].*|\s*[0-9].*)?\s*|\s*sum(\s*[:：].*)?\s*', 'i'),
    false
  )
end;

-- Ids: a spreadsheet turns 12345 into 12345.0; the id is the digits.
-- (the regular expression only for ids with a dot: most have none, and contains() is far cheaper)
create or replace macro clean_id(v) as case
  when not contains(v, '.') then v
  when regexp_full_match(v, '[0-9]+\.0+') then regexp_replace(v, '\.0+$', '')
  else v
end;

-- Local wall-clock timestamps; Excel serial day numbers (days since 1899-12-30) too.
-- The common ISO forms go through the fast cast; only values of at most 19 characters, so that a
-- value with a zone offset (2026-03-05 14:07:00+08) is never shifted: it fails all formats instead.
-- (blank values, most of the optional timestamps, skip the formats and the pattern altogether)
create or replace macro parse_ts(v) as case when v is not null then coalesce(
  case when length(v) <= 19 then try_cast(v as timestamp) end,
  try_strptime(v, [
    '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M',
    '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M', '%Y.%m.%d %H:%M:%S', '%Y.%m.%d %H:%M',
    '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S.%f', '%Y/%m/%d %H:%M:%S.%f', '%Y-%m-%d', '%Y/%m/%d',
    '%Y年%m月%d日 %H:%M:%S', '%Y年%m月%d日 %H:%M', '%Y年%m月%d日%H:%M:%S', '%Y年%m月%d日%H:%M', '%Y年%m月%d日'
  ]),
  -- to the second: a serial is a binary fraction of a day, and 14:07 must not come back as 14:06:59.999
  case when regexp_full_match(v, '[0-9]{5}(\.[0-9]+)?') and try_cast(v as double) between 20000 and 80000
    then timestamp '1899-12-30' + to_seconds(round(try_cast(v as double) * 86400)::bigint)
  end
) end;

-- Money in yuan: 120, 120.00, ¥120, 120元, 1,200.50
-- (the plain number first: the regular expression only for values it does not read)
create or replace macro parse_money(v) as coalesce(
  try_cast(v as decimal(18, 2)),
  case when v is not null then try_cast(regexp_replace(v, '^[¥￥]|元$|,', '', 'g') as decimal(18, 2)) end
);

-- The enumerations below: a value compared as it is, then lower-cased only when it matches no
-- spelling as it is (lower() on every value cost more than the comparisons; coalesce evaluates
-- its second argument only for the rows the first left null).
create or replace macro bool_spelling(v) as case v
  when '是' then true when 'y' then true when 'yes' then true when 'true' then true when '1' then true
  when '否' then false when 'n' then false when 'no' then false when 'false' then false when '0' then false
end;
create or replace macro parse_bool(v) as coalesce(bool_spelling(v), bool_spelling(lower(v)));

-- reached also accepts the call centre's call outcomes
create or replace macro reached_spelling(v) as case v
  when '成功' then true when '已接通' then true when '接通' then true
  when '未接通' then false when '拒访' then false when '空号' then false when '关机' then false
  when '无人接听' then false when '占线' then false when '停机' then false
  else bool_spelling(v)
end;
create or replace macro parse_reached(v) as coalesce(reached_spelling(v), reached_spelling(lower(v)));

create or replace macro service_type_spelling(v) as case v
  when 'install' then 'install' when '安装' then 'install' when '安装单' then 'install'
  when 'repair' then 'repair' when '维修' then 'repair' when '维修单' then 'repair'
  when 'maintenance' then 'maintenance' when '保养' then 'maintenance' when '清洗保养' then 'maintenance'
  when 'consultation' then 'consultation' when '咨询' then 'consultation'
end;
create or replace macro parse_service_type(v) as coalesce(service_type_spelling(v), service_type_spelling(lower(v)));

create or replace macro status_spelling(v) as case v
  when 'completed' then 'completed' when '已完成' then 'completed' when '完工' then 'completed' when '已完工' then 'completed' when '完成' then 'completed'
  when 'cancelled' then 'cancelled' when 'canceled' then 'cancelled' when '已取消' then 'cancelled' when '取消' then 'cancelled'
  when 'open' then 'open' when '处理中' then 'open' when '待处理' then 'open' when '进行中' then 'open' when '已派工' then 'open'
end;
create or replace macro parse_status(v) as coalesce(status_spelling(v), status_spelling(lower(v)));

create or replace macro result_spelling(v) as case v
  when 'satisfied' then 'satisfied' when '满意' then 'satisfied' when '非常满意' then 'satisfied' when '5' then 'satisfied' when '4' then 'satisfied'
  when 'neutral' then 'neutral' when '一般' then 'neutral' when '基本满意' then 'neutral' when '3' then 'neutral'
  when 'unsatisfied' then 'unsatisfied' when '不满意' then 'unsatisfied' when '非常不满意' then 'unsatisfied' when '2' then 'unsatisfied' when '1' then 'unsatisfied'
end;
create or replace macro parse_result(v) as coalesce(result_spelling(v), result_spelling(lower(v)));

create or replace macro category_spelling(v) as case v
  when 'service_attitude' then 'service_attitude' when '服务态度' then 'service_attitude'
  when 'untimely' then 'untimely' when '服务不及时' then 'untimely'
  when 'overcharge' then 'overcharge' when '收费不合理' then 'overcharge' when '乱收费' then 'overcharge'
  when 'skill' then 'skill' when '技术水平' then 'skill'
  when 'nonstandard' then 'nonstandard' when '服务不规范' then 'nonstandard'
  when 'product_quality' then 'product_quality' when '产品质量' then 'product_quality'
  when 'sales' then 'sales' when '导购服务' then 'sales'
  when 'manual' then 'manual' when '使用说明' then 'manual'
  when 'no_outlet' then 'no_outlet' when '找不到网点' then 'no_outlet'
  when 'hotline' then 'hotline' when '热线不通' then 'hotline'
  when 'other' then 'other' when '其他' then 'other' when '其它' then 'other'
end;
create or replace macro parse_category(v) as coalesce(category_spelling(v), category_spelling(lower(v)));

create or replace macro responsible_spelling(v) as case v
  when 'technician' then 'technician' when '工程师' then 'technician' when '师傅' then 'technician'
  when 'outlet' then 'outlet' when '网点' then 'outlet'
  when 'product' then 'product' when '产品' then 'product'
  when 'other' then 'other' when '其他' then 'other' when '其它' then 'other'
end;
create or replace macro parse_responsible(v) as coalesce(responsible_spelling(v), responsible_spelling(lower(v)));

create or replace macro tier_spelling(v) as case v
  when 'service_center' then 'service_center' when '服务中心' then 'service_center'
  when 'repair_shop' then 'repair_shop' when '专修部' then 'repair_shop'
  when 'authorized' then 'authorized' when '特约维修点' then 'authorized' when '特约' then 'authorized'
end;
create or replace macro parse_tier(v) as coalesce(tier_spelling(v), tier_spelling(lower(v)));

create or replace macro employment_spelling(v) as case v
  when 'active' then 'active' when '在职' then 'active'
  when 'left' then 'left' when '离职' then 'left'
end;
create or replace macro parse_employment(v) as coalesce(employment_spelling(v), employment_spelling(lower(v)));

-- One problem found in a row while typing it: null when the value is fine.
create or replace macro load_problem(column_name, reason, value) as {'column': column_name, 'reason': reason, 'value': value};

-- An id that a spreadsheet turned into a number in scientific notation (1.23457E+11): its digits are
-- lost, and loading it would file the row under a key that does not exist.
create or replace macro id_problem(column_name, v) as case
  when not contains(v, '+') then null
  when regexp_full_match(v, '[0-9](\.[0-9]+)?[eE]\+[0-9]+') then load_problem(column_name, 'invalid_id', v)
end;

-- Config durations (numbers of minutes or hours, possibly fractional) as intervals.
create or replace macro minutes_interval(m) as to_microseconds(round(m * 60000000)::bigint);
create or replace macro hours_interval(h) as to_microseconds(round(h * 3600000000)::bigint);
create or replace macro days_interval(d) as hours_interval(d * 24);

-- Month of a timestamp as 'YYYY-MM' text, the month key of every output table.
create or replace macro month_of(ts) as strftime(ts, '%Y-%m');

-- A count over a count, as a DOUBLE; null when the denominator is 0.
create or replace macro rate(numerator, denominator) as case when denominator > 0 then numerator::double / denominator end;

-- Outlet composite score; null when any part is null. Weights and scale come from the config.
create or replace macro composite_score(revisit_coverage, satisfied_rate, on_time_rate, complaint_rate) as
  getvariable('weight_revisit_coverage') * revisit_coverage
  + getvariable('weight_satisfied_rate') * satisfied_rate
  + getvariable('weight_on_time_rate') * on_time_rate
  + getvariable('weight_complaints') * (1 - least(1, getvariable('complaint_rate_scale') * complaint_rate));

-- A customer phone as two tickets' phones are compared (the product key of a repeat repair): its
-- digits only, without a leading 86, so that +86 138-0013-8000 and 13800138000 are one number;
-- null when no digit is left. The digits stay inside the database, like the phone itself.
create or replace macro phone_digits(v) as nullif(regexp_replace(regexp_replace(v, '[^0-9]', '', 'g'), '^86', ''), '');

-- A ticket's product key (spec 5.2): its serial when it has one; otherwise its customer's phone
-- digits with its product category, when both are given; otherwise none (null), and such a ticket
-- never repeats and is never repeated. The kind tells the two keys apart.
create or replace macro product_key_kind(serial, phone, category) as case
  when serial is not null then 'serial'
  when category is not null and phone_digits(phone) is not null then 'phone_category'
end;
create or replace macro product_key(serial, phone, category) as case
  when serial is not null then serial
  when category is not null then phone_digits(phone) || chr(31) || category
end;

-- Customer phone numbers masked (***) in any text that may be shown: the value of a rejected
-- cell, the raw line of a rejected row. The one masking rule of the pipeline. A number is masked in
-- the spellings people type: a mobile (1[3-9] and nine more digits) or a landline (an area code
-- 0xx or 0xxx, in parentheses or not, then seven or eight digits), a space, dash or dot between
-- any groups, after +86, 86, 0086 or (+86) (a landline's area code then without its 0), in ASCII
-- or full-width digits; not when it is part of a longer run of digits (an id, a timestamp).
-- RE2 has no lookarounds: each match takes the character after the number with it, so of two
-- numbers one character apart (13800138000,13900139000) one pass masks only the first, and the
-- pattern is applied twice.
create or replace macro mask_phone_numbers_once(v) as regexp_replace(
  v,
  '(^|[^0-9０-９])(?:'
    || '(?:(?:\+|00)?86[ \-]?|[(（]\+?86[)）][ \-]?)?[1１][ \-.]?[3-9３-９](?:[ \-.]?[0-9０-９]){9}'
    || '|[(（]?[0０][1-9１-９][0-9０-９]{1,2}[)）]?[ \-.]?[0-9０-９]{3,4}[ \-.]?[0-9０-９]{4}'
    || '|(?:\+|00)86[ \-]?[(（]?[1-9１-９][0-9０-９]{1,2}[)）]?[ \-.]?[0-9０-９]{3,4}[ \-.]?[0-9０-９]{4}'
    || ')([^0-9０-９]|$)',
  '\1***\2',
  'g'
);
create or replace macro mask_phone_numbers(v) as mask_phone_numbers_once(mask_phone_numbers_once(v));

-- The value of a rejected cell as it may be shown outside the database (load_rejects.value): a
-- column that can hold a customer's phone, name or free text (kinds.ts: sensitive) shows '***',
-- any other its value with the phone numbers in it masked.
create or replace macro shown_reject_value(v, is_sensitive) as case
  when v is null then null
  when is_sensitive then '***'
  else mask_phone_numbers(v)
end;

-- The characters a cell must not hold: the C0 controls and DEL, except tab, line feed and carriage
-- return (a quoted cell may hold a line break; a tab is a blank). A NUL or the like in an export is
-- a broken export, and a value holding one is rejected (control_character) rather than stored.
create or replace macro has_control_character(v) as regexp_matches(v, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]');
-- such a value as a rejected row shows it: each control character as U+FFFD
create or replace macro control_characters_shown(v) as regexp_replace(v, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]', chr(65533), 'g');

-- The months a model build rewrites. The build sets these variables before each run: build_full
-- (every month), build_months (the months whose KPI and penalty rows it rewrites), build_year_months
-- (those plus the later months of their years, for the year-to-date totals), build_changed_months
-- (the months of the records that changed) and build_from (the first day of the earliest month it
-- reads from). getvariable folds to a constant, so a full build pays nothing for the checks and an
-- incremental one turns them into scan filters.
create or replace macro in_build_months(month) as getvariable('build_full') or list_contains(getvariable('build_months'), month);
create or replace macro in_build_year_months(month) as getvariable('build_full') or list_contains(getvariable('build_year_months'), month);
-- a month of a year that holds a month of build_year_months: what the year-to-date totals read
create or replace macro in_build_years(month) as getvariable('build_full')
  or list_contains(list_transform(getvariable('build_year_months'), m -> left(m, 4)), left(month, 4));
create or replace macro in_build_changed_months(month) as getvariable('build_full') or list_contains(getvariable('build_changed_months'), month);
-- a cheap range test that lets a scan skip the stored blocks before the earliest month built
create or replace macro in_build_reach(ts) as getvariable('build_full') or ts >= getvariable('build_from');
-- the same, for records that can reach the months built from up to `earlier` before them
create or replace macro in_build_reach_from(ts, earlier) as getvariable('build_full') or ts >= getvariable('build_from') - earlier;
-- a repair that a changed ticket may have become, or stopped being, the repeat of: one created in a
-- changed month or in the repeat window after one (build_repeat_months, set with the others)
create or replace macro in_build_repeat_reach(ts) as getvariable('build_full')
  or (ts >= getvariable('build_from') and list_contains(getvariable('build_repeat_months'), month_of(ts)));

-- The 'YYYY-MM' month before and after a 'YYYY-MM' month.
create or replace macro month_before(month) as strftime(strptime(month || '-01', '%Y-%m-%d') - interval 1 month, '%Y-%m');
create or replace macro month_after(month) as strftime(strptime(month || '-01', '%Y-%m-%d') + interval 1 month, '%Y-%m');
