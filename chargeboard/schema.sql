-- The store's tables. Applied at every open; every statement is idempotent.
-- Instants are TIMESTAMPTZ. The *_local columns hold the installation's wall-clock time,
-- derived once at ingest, so every day/month boundary is the installation's own (DST-safe)
-- and period filters stay cheap.

CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS export_id_seq START 1;

CREATE TABLE IF NOT EXISTS installations (
    installation_id VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    time_zone       VARCHAR NOT NULL DEFAULT 'Europe/Oslo'
);

CREATE TABLE IF NOT EXISTS stations (
    station_id      VARCHAR PRIMARY KEY,   -- the feed's own id (Zaptec ChargerId)
    device_id       VARCHAR,               -- the charger's serial (Zaptec DeviceId)
    name            VARCHAR,
    installation_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    user_id VARCHAR PRIMARY KEY,           -- the feed's own id (Zaptec UserId)
    name    VARCHAR,
    email   VARCHAR
);

CREATE TABLE IF NOT EXISTS rfid_tags (
    tag     VARCHAR PRIMARY KEY,           -- the tag's name as the feed gives it (Zaptec TokenName)
    user_id VARCHAR                        -- the user it was last seen with
);

-- No primary key on purpose: the ingest de-duplicates with an anti-join, which is
-- 4x faster than ON CONFLICT and keeps the file 3.5x smaller (stack-facts.md).
CREATE TABLE IF NOT EXISTS sessions (
    session_id       VARCHAR NOT NULL,
    installation_id  VARCHAR NOT NULL,
    station_id       VARCHAR NOT NULL,
    user_id          VARCHAR,
    tag              VARCHAR,
    started_at       TIMESTAMPTZ NOT NULL,
    ended_at         TIMESTAMPTZ NOT NULL,  -- the real end (Zaptec CommitEndDateTime)
    registered_at    TIMESTAMPTZ,           -- when the cloud closed it (Zaptec EndDateTime)
    started_local    TIMESTAMP NOT NULL,
    registered_local TIMESTAMP,
    energy_kwh       DECIMAL(12, 3) NOT NULL, -- exact to the Wh
    offline          BOOLEAN NOT NULL,
    time_unreliable  BOOLEAN NOT NULL,
    void             BOOLEAN NOT NULL,      -- replaced by a corrected session: kept, never counted
    replaced_by      VARCHAR,
    commit_metadata  INTEGER,
    external_id      VARCHAR,
    firmware         VARCHAR,
    signed           BOOLEAN NOT NULL DEFAULT false,
    energy_details   JSON,                  -- [{Timestamp, Energy}], priced hour by hour later
    source_file      VARCHAR NOT NULL,
    import_id        BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS imports (
    import_id       BIGINT PRIMARY KEY,
    file_name       VARCHAR NOT NULL,
    content_sha256  VARCHAR NOT NULL,
    file_bytes      BIGINT NOT NULL,
    format          VARCHAR NOT NULL,
    installation_id VARCHAR,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ NOT NULL,
    records         BIGINT NOT NULL,
    new_rows        BIGINT NOT NULL,
    duplicate_rows  BIGINT NOT NULL,
    updated_rows    BIGINT NOT NULL,
    rejected_rows   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS rejected_rows (
    import_id BIGINT NOT NULL,
    position  BIGINT NOT NULL,   -- line number (CSV) or record number (JSON), 1-based
    location  VARCHAR NOT NULL,  -- the same, said for a person: "line 12", "record 7 (page 2, item 3)"
    raw       VARCHAR,
    reason    VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS exports (
    export_id   BIGINT PRIMARY KEY,
    username    VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    exported_at TIMESTAMPTZ NOT NULL,
    what        VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    row_count   BIGINT NOT NULL
);

-- The one place where "who may see which sessions" is written down. Every query that
-- reads sessions reads them through this macro; the store binds the three arguments
-- from the caller's Scope, and tests/test_queries.py fails any query file that reads
-- the sessions table directly.
CREATE OR REPLACE MACRO scoped_sessions(see_all, user_ids, station_ids) AS TABLE
    SELECT * FROM sessions
    WHERE see_all
       OR list_contains(user_ids, user_id)
       OR list_contains(station_ids, station_id);
