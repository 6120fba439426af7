-- +goose Up
-- The yearly plan as a real subscription (DESIGN section 5, "Subscriptions:
-- the year after"). A plan with an interval renews unless it is one_time.
ALTER TABLE plans ADD COLUMN one_time BOOLEAN NOT NULL DEFAULT FALSE;

-- The processor's subscriptions, as last read from it, each with the order
-- that bought it and the account it serves.
CREATE TABLE subscriptions (
    id                   TEXT PRIMARY KEY, -- the processor's sub_…
    order_id             BIGINT NOT NULL REFERENCES orders (id),
    account_id           BIGINT REFERENCES accounts (id),
    email                TEXT NOT NULL,
    plan_code            TEXT NOT NULL REFERENCES plans (code),
    status               TEXT NOT NULL,
    current_period_start TIMESTAMPTZ,
    current_period_end   TIMESTAMPTZ,
    cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
    ended_at             TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_email_idx ON subscriptions (lower(email));
CREATE INDEX subscriptions_order_idx ON subscriptions (order_id);

-- Every invoice of a subscription we have heard of, with the period it pays
-- for (its subscription line's) and, for a failed one, when its
-- payment_failed email went out.
CREATE TABLE invoices (
    id                 TEXT PRIMARY KEY, -- the processor's in_…
    subscription_id    TEXT NOT NULL REFERENCES subscriptions (id),
    status             TEXT NOT NULL,
    billing_reason     TEXT NOT NULL DEFAULT '',
    amount             BIGINT NOT NULL,
    currency           TEXT NOT NULL,
    period_start       TIMESTAMPTZ,
    period_end         TIMESTAMPTZ,
    hosted_invoice_url TEXT NOT NULL DEFAULT '',
    payment_intent_id  TEXT,
    charge_id          TEXT,
    paid_at            TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX invoices_subscription_idx ON invoices (subscription_id, created_at);

-- One grant per paid invoice: the last line of defence against serving one
-- period twice, whatever path reports the invoice.
CREATE TABLE invoice_grants (
    invoice_id      TEXT PRIMARY KEY REFERENCES invoices (id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    account_id      BIGINT NOT NULL REFERENCES accounts (id),
    plan_code       TEXT NOT NULL REFERENCES plans (code),
    valid_until     TIMESTAMPTZ NOT NULL,
    granted_via     TEXT NOT NULL
        CHECK (granted_via IN ('return_page', 'webhook', 'event_catchup', 'sweep', 'staff', 'claim', 'incident')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- unserved_renewal and lapsed_unpaid join the kinds a mismatch may have,
-- extended in place as 00012 does.
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
    IF position('''unserved_renewal''' IN def) = 0 THEN
        EXECUTE 'ALTER TABLE mismatches DROP CONSTRAINT mismatches_kind_check, ADD CONSTRAINT mismatches_kind_check '
            || replace(def, 'ARRAY[', 'ARRAY[''unserved_renewal''::text, ''lapsed_unpaid''::text, ');
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
        || replace(def, '''unserved_renewal''::text, ''lapsed_unpaid''::text, ', '');
END $$;
-- +goose StatementEnd
DROP TABLE invoice_grants, invoices, subscriptions;
ALTER TABLE plans DROP COLUMN one_time;
