-- +goose Up
-- The staging keeps the processor's times as integer microseconds since
-- the epoch (DESIGN section 11): COPY parses a timestamptz from text at
-- about a microsecond a value, which at a million-payment sweep is a second
-- and a half of the staging, and an integer in a fraction of that. The
-- processor's times are whole seconds and PostgreSQL's timestamptz keeps
-- microseconds, so nothing is rounded; the diff converts a time back where
-- it compares it with ours or writes it into a finding. The columns are
-- renamed so that no reader takes the integer for a time. Staging rows
-- live for one run, so nothing is converted.
TRUNCATE recon_objects;
ALTER TABLE recon_objects DROP COLUMN created, DROP COLUMN due_by, DROP COLUMN charge_created;
ALTER TABLE recon_objects
    ADD COLUMN created_us        BIGINT NOT NULL,
    ADD COLUMN due_by_us         BIGINT,
    ADD COLUMN charge_created_us BIGINT;

-- +goose Down
TRUNCATE recon_objects;
ALTER TABLE recon_objects DROP COLUMN created_us, DROP COLUMN due_by_us, DROP COLUMN charge_created_us;
ALTER TABLE recon_objects
    ADD COLUMN due_by         TIMESTAMPTZ,
    ADD COLUMN created        TIMESTAMPTZ NOT NULL,
    ADD COLUMN charge_created TIMESTAMPTZ;
