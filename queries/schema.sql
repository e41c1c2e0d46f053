-- Stored tables: the typed records of every export loaded so far, and the load log.
-- One row per record key (the latest accepted version); KPI tables are rebuilt from these.

create sequence if not exists load_batch_seq start 1;

create table if not exists load_batches (
  batch_id bigint not null,
  file_name varchar not null,
  content_hash varchar not null,
  kind varchar not null,
  encoding varchar,
  rows_read bigint not null,
  rows_loaded bigint not null,
  rows_rejected bigint not null,
  loaded_at timestamp not null
);

create table if not exists load_rejects (
  batch_id bigint not null,
  file varchar not null,
  line bigint,
  "column" varchar,
  reason varchar not null,
  value varchar,
  raw_line varchar
);

-- headers that map to no column: kept out of the KPIs, reported once per file
create table if not exists load_extra_columns (
  batch_id bigint not null,
  file varchar not null,
  column_name varchar not null
);

-- files in the input folder whose name matches no kind, or that were skipped
create table if not exists load_skipped_files (
  file varchar not null,
  reason varchar not null,
  content_hash varchar,
  seen_at timestamp not null
);

create table if not exists tickets (
  ticket_id varchar not null,
  outlet_id varchar not null,
  technician_id varchar,
  service_type varchar not null,
  product_category varchar,
  product_serial varchar,
  created_at timestamp not null,
  appointment_start timestamp,
  appointment_end timestamp,
  original_appointment_start timestamp,
  original_appointment_end timestamp,
  rescheduled_at timestamp,
  arrived_at timestamp,
  completed_at timestamp,
  status varchar not null,
  fee_charged decimal(18, 2),
  fee_standard decimal(18, 2),
  customer_phone varchar,
  updated_at timestamp,
  batch_id bigint not null,
  source_line bigint
);

-- a database made before tickets had product_serial gains it (at the end; rows are stored by name)
alter table tickets add column if not exists product_serial varchar;

create table if not exists revisits (
  revisit_id varchar not null,
  ticket_id varchar not null,
  revisit_at timestamp not null,
  reached boolean not null,
  result varchar,
  on_time_answer boolean,
  uniform_badge boolean,
  shoe_covers boolean,
  four_nots_ok boolean,
  site_cleaned boolean,
  explained_usage boolean,
  signed_record boolean,
  charged_per_standard boolean,
  reason varchar,
  batch_id bigint not null,
  source_line bigint
);

create table if not exists complaints (
  complaint_id varchar not null,
  ticket_id varchar,
  technician_id varchar,
  outlet_id varchar,
  received_at timestamp not null,
  category varchar not null,
  responsible varchar not null,
  verified boolean not null,
  resolved_at timestamp,
  batch_id bigint not null,
  source_line bigint
);

create table if not exists violations (
  violation_id varchar not null,
  technician_id varchar not null,
  occurred_at timestamp not null,
  rule_id varchar not null,
  amount decimal(18, 2),
  note varchar,
  batch_id bigint not null,
  source_line bigint
);

create table if not exists technicians (
  technician_id varchar not null,
  name varchar,
  outlet_id varchar,
  status varchar,
  batch_id bigint not null,
  source_line bigint
);

create table if not exists outlets (
  outlet_id varchar not null,
  name varchar,
  tier varchar,
  city varchar,
  batch_id bigint not null,
  source_line bigint
);

-- Months ('YYYY-MM') whose KPI and penalty rows are out of date. The loader adds, in the same
-- transaction as each file, the months of every record it inserted and of every stored record it
-- replaced (tickets: created and completion month; revisits: revisit month and their ticket's
-- completion month; complaints: received month and their ticket's completion month; violations:
-- occurred month; appeals: submitted month and the month of the line they name). '*' means every month (technicians or outlets changed, or no model build has
-- run yet: the first build makes every month, so the loader marks '*' instead). The model build reads
-- it to rebuild only what changed and empties it in its own transaction.
create table if not exists stale_months (month varchar not null);

-- What the published files lag behind: every model build adds, in its own transaction, the months
-- it rewrote ('*': every month) under its build_id (model_build_state); a publish deletes them, and
-- records its build in published_build, only after its manifest is in place. A publish that fails
-- or is killed leaves them, and the next run publishes them again (pipeline/build/publish-state.ts).
create table if not exists publish_pending (build_id varchar not null, month varchar not null);

-- The build the last publish that switched its manifest reflects (at most one row).
create table if not exists published_build (build_id varchar not null);

-- Appeals of penalty lines as loaded (申诉, spec 6.3): one row per appeal_id, the latest accepted
-- version. Whether the line exists, and a reduced amount is below it, is the build's to check
-- (int_appeal_checks); the table `appeals` is the build's too. reason is free text: never published.
create table if not exists appeal_records (
  appeal_id varchar not null,
  line_id varchar not null,
  submitted_at timestamp not null,
  decision varchar not null,
  decided_amount decimal(18, 2),
  decided_at timestamp,
  reason varchar,
  -- the version: the export's update time, or else the decision time
  updated_at timestamp,
  batch_id bigint not null,
  source_line bigint
);

-- Month close (spec 6.2): one row per month closed by `npm run close`, never changed or removed.
-- A month is closed when it is at or before the latest month here (a month without lines that the
-- close order let pass is closed with nothing frozen). lines and amount: the month's penalty lines
-- and their sum; adjustments and amount_due: the penalty adjustments booked into the month and
-- amount + adjustments; the outlet fines, settlement lines and settlement adjustments likewise;
-- sha256 over every frozen line of the month in the canonical form of README.md (hashed_lines lines).
create table if not exists month_closes (
  month varchar not null,
  closed_at timestamp not null,
  closed_by varchar not null,
  lines bigint not null,
  amount decimal(18, 2) not null,
  adjustments decimal(18, 2) not null,
  amount_due decimal(18, 2) not null,
  outlet_fine_lines bigint not null,
  outlet_fines decimal(18, 2) not null,
  settlement_lines bigint not null,
  settlement_fees decimal(18, 2) not null,
  settlement_adjustments decimal(18, 2) not null,
  hashed_lines bigint not null,
  sha256 varchar not null
);

-- The lines and totals of the closed months as they were at their close (columns as the contract
-- tables of the same name without frozen_): the contract tables show these for closed months,
-- whatever later loads, config changes or appeals do. Written by the close only; a column added to
-- a contract table is added here too (alter table … add column if not exists).
create table if not exists frozen_penalty_lines (
  month varchar not null,
  technician_id varchar,
  outlet_id varchar,
  rule_id varchar not null,
  amount decimal(18, 2),
  occurred_at timestamp,
  ticket_id varchar,
  revisit_id varchar,
  complaint_id varchar,
  violation_id varchar,
  dismissal boolean,
  rule_name_zh varchar,
  rule_name_en varchar,
  line_id varchar not null,
  related_ticket_id varchar,
  appeal_id varchar,
  appeal_decision varchar,
  amount_before_appeal decimal(18, 2)
);

create table if not exists frozen_penalty_totals (
  month varchar not null,
  technician_id varchar,
  outlet_id varchar,
  violations bigint,
  amount decimal(18, 2),
  violations_ytd bigint,
  training boolean,
  dismissal_review boolean,
  training_reason varchar,
  dismissal_reason varchar,
  adjustments decimal(18, 2),
  amount_due decimal(18, 2)
);

create table if not exists frozen_outlet_penalty_lines (
  month varchar not null,
  outlet_id varchar,
  complaint_id varchar,
  ticket_id varchar,
  overcharge decimal(18, 2),
  amount decimal(18, 2),
  line_id varchar not null
);

create table if not exists frozen_settlement_lines (
  settlement_month varchar not null,
  outlet_id varchar,
  ticket_id varchar,
  technician_id varchar,
  service_type varchar,
  completed_at timestamp,
  revisit_id varchar,
  revisit_at timestamp,
  fee decimal(18, 2),
  line_id varchar not null
);

create table if not exists frozen_settlement_totals (
  month varchar not null,
  outlet_id varchar,
  tickets_settled bigint,
  fees decimal(18, 2),
  outlet_fines decimal(18, 2),
  net decimal(18, 2),
  tickets_withheld bigint,
  withheld_fees decimal(18, 2),
  payment_due date,
  fee_adjustments decimal(18, 2),
  fine_adjustments decimal(18, 2),
  adjustments decimal(18, 2),
  amount_due decimal(18, 2)
);

-- The adjustments booked into the closed months (spec 6.2), as they were at the close.
create table if not exists frozen_penalty_adjustments (
  month varchar not null,
  original_month varchar not null,
  line_id varchar not null,
  technician_id varchar,
  outlet_id varchar,
  rule_id varchar,
  amount decimal(18, 2) not null,
  reason varchar not null
);

create table if not exists frozen_settlement_adjustments (
  month varchar not null,
  original_month varchar not null,
  line_id varchar not null,
  outlet_id varchar,
  rule_id varchar,
  amount decimal(18, 2) not null,
  net_effect decimal(18, 2) not null,
  reason varchar not null
);
