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
-- occurred month). '*' means every month (technicians or outlets changed, or no model build has
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
