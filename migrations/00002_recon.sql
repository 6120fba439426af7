-- +goose Up
-- One row per reconciliation run, for the console, the metrics and the
-- dead man's switch: a run that never finishes leaves finished_at NULL.
CREATE TABLE recon_runs (
    id                  BIGSERIAL PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('events', 'sweep')),
    dry_run             BOOLEAN NOT NULL DEFAULT FALSE,
    window_from         TIMESTAMPTZ,
    window_to           TIMESTAMPTZ,
    cursor_before       TEXT,
    cursor_after        TEXT,
    api_calls           INT NOT NULL DEFAULT 0,
    objects_seen        INT NOT NULL DEFAULT 0,
    healed              INT NOT NULL DEFAULT 0,
    mismatches_opened   INT NOT NULL DEFAULT 0,
    mismatches_updated  INT NOT NULL DEFAULT 0,
    mismatches_resolved INT NOT NULL DEFAULT 0,
    by_kind             JSONB NOT NULL DEFAULT '{}',
    error               TEXT,
    started_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at         TIMESTAMPTZ
);
CREATE INDEX recon_runs_kind_started_idx ON recon_runs (kind, started_at DESC);

-- Small named facts that outlive a run: the event cursor, the sweep's
-- watermark, whether an alert is raised.
CREATE TABLE recon_state (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE recon_state, recon_runs;
