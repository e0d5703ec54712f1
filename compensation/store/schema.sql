-- ecocomp store (schema version: see SCHEMA_VERSION in connection.py). Every statement is idempotent: `ecocomp init` may run it again.
-- Money is DECIMAL(18,2) yuan; measurements DECIMAL(18,6); nothing is ever updated in place except
-- batches.superseded_by and runs.status/finished_at.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS batch_seq START 1;
CREATE TABLE IF NOT EXISTS batches (
    batch_id      INTEGER PRIMARY KEY,
    kind          VARCHAR NOT NULL,          -- 'samples' | 'sections' | 'parties'
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    row_count     INTEGER NOT NULL,
    loaded_at     TIMESTAMP NOT NULL,
    superseded_by INTEGER,                   -- a later batch that replaced some or all of its values
    note          VARCHAR
);
-- The raw bytes of every loaded file (zlib-compressed), so any batch can be re-read as it came.
CREATE TABLE IF NOT EXISTS batch_files (
    batch_id INTEGER PRIMARY KEY,
    content  BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS parties (
    party_id VARCHAR PRIMARY KEY,
    name     VARCHAR NOT NULL,               -- Chinese name, e.g. 江岸区, 市财政
    kind     VARCHAR NOT NULL CHECK (kind IN ('district', 'city', 'county', 'treasury',
                                             'province', 'other')),
    note     VARCHAR,
    batch_id INTEGER,
    label    VARCHAR                         -- what an 'other' party is, e.g. 流域管理机构
);

CREATE TABLE IF NOT EXISTS sections (
    section_id  VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,            -- Chinese name, e.g. 滠水入长江口
    river       VARCHAR NOT NULL,            -- e.g. 长江, 汉江, 通顺河, 道观河
    bank        VARCHAR,                     -- 'left' | 'right' | NULL
    water_body  VARCHAR NOT NULL CHECK (water_body IN ('river', 'lake')),
    role        VARCHAR NOT NULL CHECK (role IN ('control', 'assessed')),
    party_id    VARCHAR,                     -- the party assessed on this section
    control_id  VARCHAR,                     -- its control / inflow section
    river_order INTEGER,                     -- position from upstream, for schematics
    schemes     VARCHAR[] NOT NULL,          -- scheme ids this section belongs to
    valid_from  DATE NOT NULL,
    valid_to    DATE,                        -- NULL: still in use
    note        VARCHAR,                     -- e.g. 'assumption: pairing with district by list order'
    batch_id    INTEGER
);

CREATE TABLE IF NOT EXISTS samples (
    batch_id        INTEGER NOT NULL,
    row_no          INTEGER NOT NULL,        -- row as a person sees it in the file (header = 1)
    section_id      VARCHAR NOT NULL,
    sampled_at      TIMESTAMP NOT NULL,
    indicator       VARCHAR NOT NULL,        -- canonical code, see quality/indicators.csv
    value           DECIMAL(18,6),           -- mg/L (or the indicator's unit); NULL when flagged
    below_dl        BOOLEAN NOT NULL DEFAULT false,  -- non-detect: value is NULL, detection_limit set
    detection_limit DECIMAL(18,6),
    flag            VARCHAR,                 -- canonical flag code (no_flow, ice, fault, ...) or NULL
    source          VARCHAR NOT NULL DEFAULT 'manual'  -- 'manual' | 'auto' (automatic station)
);

CREATE SEQUENCE IF NOT EXISTS run_seq START 1;
CREATE TABLE IF NOT EXISTS runs (
    run_id         INTEGER PRIMARY KEY,
    scheme         VARCHAR NOT NULL,
    period_label   VARCHAR NOT NULL,         -- '2018-01' or '2022'
    window_start   DATE NOT NULL,
    window_end     DATE NOT NULL,            -- inclusive, first day of the last month
    as_of          TIMESTAMP NOT NULL,
    scenario       VARCHAR NOT NULL DEFAULT 'base',
    rules_hash     VARCHAR NOT NULL,
    data_hash      VARCHAR NOT NULL,
    params_hash    VARCHAR NOT NULL,
    lines_hash     VARCHAR,
    engine_version VARCHAR NOT NULL,
    duckdb_version VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    same_as_run    INTEGER,                  -- an earlier run with identical inputs and lines
    period_kind    VARCHAR,                  -- the scheme's period: 'month' | 'year' | ...
    span_start     DATE,                     -- first month the scheme applies (Tongshun 2022-06)
    rules_file     VARCHAR,                  -- the rule file the run compiled
    rules_meta     JSON,                     -- [{id, title, basis, file, line}] as compiled
    params         JSON,                     -- the dated parameters used (name, values, from, basis)
    batch_ids      INTEGER[],                -- the batches visible as of the run
    line_count     INTEGER
);

-- Stores created before these columns existed gain them on `ecocomp init` (idempotent).
ALTER TABLE runs ADD COLUMN IF NOT EXISTS period_kind VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS span_start DATE;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS rules_file VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS rules_meta JSON;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS params JSON;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS batch_ids INTEGER[];
ALTER TABLE runs ADD COLUMN IF NOT EXISTS line_count INTEGER;
-- first month of the scheme's (agreement) year: `--year Y` of accounts/settle reads N/Y..(N-1)/(Y+1)
ALTER TABLE runs ADD COLUMN IF NOT EXISTS year_begins INTEGER;
-- how the scheme forms a longer period's value: 'samples' or 'monthly-mean' (diff recomputes it)
ALTER TABLE runs ADD COLUMN IF NOT EXISTS period_value VARCHAR;
-- how lines_hash was computed (compensation/engine/hashes.py HASH_VERSION); NULL: version 1,
-- made before this column. Runs of different versions are never compared as "same inputs".
ALTER TABLE runs ADD COLUMN IF NOT EXISTS hash_version INTEGER;

CREATE SEQUENCE IF NOT EXISTS line_seq START 1;
CREATE TABLE IF NOT EXISTS ledger (
    line_id      INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL,
    scheme       VARCHAR NOT NULL,
    rule         VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    section_id   VARCHAR,                    -- NULL for scheme-level lines
    payer        VARCHAR NOT NULL,
    payee        VARCHAR NOT NULL,
    amount       DECIMAL(18,2) NOT NULL CHECK (amount >= 0),
    branch       VARCHAR,                    -- the interval / case that fired, as written in the rule
    exception    VARCHAR,                    -- label of the exception that applied, if any
    reason       VARCHAR,                    -- why an amount is zero (断流, 数据缺失, ...)
    -- measures, lets, parameter values used; zstd: a sixth of the default's size and half its
    -- CPU to write (compensation/store/trace_compression.py upgrades older stores)
    trace        JSON USING COMPRESSION zstd
);

CREATE SEQUENCE IF NOT EXISTS settlement_seq START 1;
CREATE TABLE IF NOT EXISTS settlements (
    settlement_id INTEGER PRIMARY KEY,
    scheme        VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    final         BOOLEAN NOT NULL,
    run_ids       INTEGER[] NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    covered_from  DATE,                      -- first month settled (Tongshun 2022: June)
    covered_to    DATE,                      -- last month settled
    line_count    INTEGER
);
ALTER TABLE settlements ADD COLUMN IF NOT EXISTS covered_from DATE;
ALTER TABLE settlements ADD COLUMN IF NOT EXISTS covered_to DATE;
ALTER TABLE settlements ADD COLUMN IF NOT EXISTS line_count INTEGER;
CREATE TABLE IF NOT EXISTS settlement_transfers (
    settlement_id INTEGER NOT NULL,
    payer         VARCHAR NOT NULL,
    payee         VARCHAR NOT NULL,
    amount        DECIMAL(18,2) NOT NULL CHECK (amount >= 0)
);

-- Numbers of issued documents (文号/期号): numbered per kind and year of issue in issue order; a
-- document issued again for the same period keeps its number (a changed content says 更正).
CREATE TABLE IF NOT EXISTS issued_documents (
    kind         VARCHAR NOT NULL,           -- 'bulletin'
    period       VARCHAR NOT NULL,           -- what it covers: '2024-12'
    year         INTEGER NOT NULL,           -- year of first issue (the 〔year〕 of the number)
    number       INTEGER NOT NULL,           -- n-th document of that kind in that year
    first_issued DATE NOT NULL,
    last_issued  DATE NOT NULL,
    first_key    VARCHAR NOT NULL,           -- the runs behind the first issue
    last_key     VARCHAR NOT NULL,           -- the runs behind the latest issue
    PRIMARY KEY (kind, period)
);
