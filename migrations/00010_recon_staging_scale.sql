-- +goose Up
-- The sweep's staging, shaped for a window of a million payments
-- (DESIGN section 11): listed objects go in by COPY into tables with no
-- index to maintain, one partition per kind of object so that each step of
-- the diff reads only the kind it needs, and the diff is hash joins over
-- freshly analyzed tables. A payment the processor and our orders agree on
-- (linked to a fulfilled order that recorded it, neither refunded nor
-- disputed) is written with examine false, and the steps that look for
-- findings read only the others, through a partial index. Staging rows
-- live for one run, so the tables are recreated rather than altered.
DROP TABLE recon_findings, recon_payments, recon_objects;

CREATE UNLOGGED TABLE recon_objects (
    run_id            BIGINT NOT NULL,
    object            TEXT NOT NULL, -- session | payment_intent | charge | refund | dispute
    id                TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT '',
    payment_intent_id TEXT,
    charge_id         TEXT,
    amount            BIGINT NOT NULL DEFAULT 0,
    amount_refunded   BIGINT NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL DEFAULT '',
    email             TEXT,
    order_ref         TEXT, -- metadata.order_id, else client_reference_id
    public_ref        TEXT,
    plan              TEXT,
    paid              BOOLEAN NOT NULL DEFAULT FALSE,
    refunded          BOOLEAN NOT NULL DEFAULT FALSE,
    disputed          BOOLEAN NOT NULL DEFAULT FALSE,
    reason            TEXT,
    due_by            TIMESTAMPTZ,
    created           TIMESTAMPTZ NOT NULL
) PARTITION BY LIST (object);
CREATE UNLOGGED TABLE recon_sessions PARTITION OF recon_objects FOR VALUES IN ('session');
CREATE UNLOGGED TABLE recon_payment_intents PARTITION OF recon_objects FOR VALUES IN ('payment_intent');
CREATE UNLOGGED TABLE recon_charges PARTITION OF recon_objects FOR VALUES IN ('charge');
CREATE UNLOGGED TABLE recon_refunds PARTITION OF recon_objects FOR VALUES IN ('refund');
CREATE UNLOGGED TABLE recon_disputes PARTITION OF recon_objects FOR VALUES IN ('dispute');

-- One row per succeeded payment intent a run saw, with what the other
-- objects and our orders say about it.
CREATE UNLOGGED TABLE recon_payments (
    run_id            BIGINT NOT NULL,
    payment_intent_id TEXT NOT NULL,
    charge_id         TEXT,
    session_id        TEXT,
    amount            BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    email             TEXT,
    order_ref         TEXT,
    public_ref        TEXT,
    plan              TEXT,
    created           TIMESTAMPTZ NOT NULL,
    settled           BOOLEAN NOT NULL, -- older than the grace period
    refunded          BOOLEAN NOT NULL DEFAULT FALSE,
    disputed          BOOLEAN NOT NULL DEFAULT FALSE,
    charge_status     TEXT, -- NULL when the charge was not listed
    amount_refunded   BIGINT NOT NULL DEFAULT 0, -- by the charge, or the refunds listed
    order_id          BIGINT,
    plan_code         TEXT, -- the plan the payment bought, when known
    duplicate_of      TEXT, -- the payment this one repeats
    examine           BOOLEAN NOT NULL DEFAULT TRUE -- false: the processor and our order agree
);
CREATE INDEX recon_payments_examine_idx ON recon_payments (run_id, payment_intent_id) WHERE examine;

-- What one run classified, before it is applied: action heal (Fulfill),
-- expire (mark the order expired) or queue (a mismatch for a person).
CREATE UNLOGGED TABLE recon_findings (
    run_id              BIGINT NOT NULL,
    kind                TEXT NOT NULL,
    subject             TEXT NOT NULL,
    action              TEXT NOT NULL CHECK (action IN ('heal', 'expire', 'queue')),
    subject_at          TIMESTAMPTZ,
    order_id            BIGINT,
    email               TEXT,
    payment_intent_id   TEXT,
    charge_id           TEXT,
    checkout_session_id TEXT,
    dispute_id          TEXT,
    amount              BIGINT,
    currency            TEXT,
    expected_amount     BIGINT,
    expected_currency   TEXT,
    urgent              BOOLEAN NOT NULL DEFAULT FALSE,
    evidence_due_by     TIMESTAMPTZ,
    evidence            JSONB NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, kind, subject)
);

-- +goose Down
DROP TABLE recon_findings, recon_payments, recon_objects;

CREATE UNLOGGED TABLE recon_objects (
    run_id            BIGINT NOT NULL,
    object            TEXT NOT NULL,
    id                TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT '',
    payment_intent_id TEXT,
    charge_id         TEXT,
    amount            BIGINT NOT NULL DEFAULT 0,
    amount_refunded   BIGINT NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL DEFAULT '',
    email             TEXT,
    order_ref         TEXT,
    public_ref        TEXT,
    plan              TEXT,
    paid              BOOLEAN NOT NULL DEFAULT FALSE,
    refunded          BOOLEAN NOT NULL DEFAULT FALSE,
    disputed          BOOLEAN NOT NULL DEFAULT FALSE,
    reason            TEXT,
    due_by            TIMESTAMPTZ,
    created           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, object, id)
);
CREATE INDEX recon_objects_payment_intent_idx ON recon_objects (run_id, object, payment_intent_id);

CREATE UNLOGGED TABLE recon_payments (
    run_id            BIGINT NOT NULL,
    payment_intent_id TEXT NOT NULL,
    charge_id         TEXT,
    session_id        TEXT,
    amount            BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    email             TEXT,
    order_ref         TEXT,
    public_ref        TEXT,
    plan              TEXT,
    created           TIMESTAMPTZ NOT NULL,
    settled           BOOLEAN NOT NULL,
    refunded          BOOLEAN NOT NULL DEFAULT FALSE,
    disputed          BOOLEAN NOT NULL DEFAULT FALSE,
    order_id          BIGINT,
    plan_code         TEXT,
    duplicate_of      TEXT,
    PRIMARY KEY (run_id, payment_intent_id)
);
CREATE INDEX recon_payments_order_idx ON recon_payments (run_id, order_id);

CREATE UNLOGGED TABLE recon_findings (
    run_id              BIGINT NOT NULL,
    kind                TEXT NOT NULL,
    subject             TEXT NOT NULL,
    action              TEXT NOT NULL CHECK (action IN ('heal', 'expire', 'queue')),
    subject_at          TIMESTAMPTZ,
    order_id            BIGINT,
    email               TEXT,
    payment_intent_id   TEXT,
    charge_id           TEXT,
    checkout_session_id TEXT,
    dispute_id          TEXT,
    amount              BIGINT,
    currency            TEXT,
    expected_amount     BIGINT,
    expected_currency   TEXT,
    urgent              BOOLEAN NOT NULL DEFAULT FALSE,
    evidence_due_by     TIMESTAMPTZ,
    evidence            JSONB NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, kind, subject)
);
