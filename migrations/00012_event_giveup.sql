-- +goose Up
-- A stored processor event whose handling keeps failing is retried with
-- backoff, then left for a person (package recon, catchup_retry.go).
-- next_retry_at is when event catch-up may try it again (NULL: a while
-- after it was received); given_up_at is when catch-up stopped trying and
-- opened an event_failed mismatch for it.
ALTER TABLE processor_events
    ADD COLUMN next_retry_at TIMESTAMPTZ,
    ADD COLUMN given_up_at   TIMESTAMPTZ;

DROP INDEX processor_events_unprocessed_idx;
CREATE INDEX processor_events_retry_idx ON processor_events (COALESCE(next_retry_at, received_at))
    WHERE processed_at IS NULL AND given_up_at IS NULL;

-- event_failed joins the kinds a mismatch may have. The list is extended in
-- place, whatever kinds the migrations before this one allow, rather than
-- restated here (which would drop any kind added since 00003).
-- +goose StatementBegin
DO $$
DECLARE
    def TEXT;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
    WHERE conrelid = 'mismatches'::regclass AND conname = 'mismatches_kind_check';
    IF def IS NULL OR position('ARRAY[' IN def) = 0 THEN
        RAISE EXCEPTION 'mismatches_kind_check is not a list of kinds: %', def;
    END IF;
    IF position('''event_failed''' IN def) = 0 THEN
        EXECUTE 'ALTER TABLE mismatches DROP CONSTRAINT mismatches_kind_check, ADD CONSTRAINT mismatches_kind_check '
            || replace(def, 'ARRAY[', 'ARRAY[''event_failed''::text, ');
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    def TEXT;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
    WHERE conrelid = 'mismatches'::regclass AND conname = 'mismatches_kind_check';
    EXECUTE 'ALTER TABLE mismatches DROP CONSTRAINT mismatches_kind_check, ADD CONSTRAINT mismatches_kind_check '
        || replace(def, '''event_failed''::text, ', '');
END $$;
-- +goose StatementEnd
DROP INDEX processor_events_retry_idx;
CREATE INDEX processor_events_unprocessed_idx ON processor_events (received_at) WHERE processed_at IS NULL;
ALTER TABLE processor_events DROP COLUMN given_up_at, DROP COLUMN next_retry_at;
