-- +goose Up
-- What reconciliation found that a person must look at (DESIGN section 6),
-- with the evidence both sides showed when it was last seen. A subject is
-- the processor object or order the finding is about (a payment intent, a
-- charge, a dispute, an order); at most one mismatch per (kind, subject) is
-- open at a time, so repeated sweeps update it instead of piling up copies.
CREATE TABLE mismatches (
    id                  BIGSERIAL PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('orphan_payment', 'stuck_pending', 'unpaid_fulfilled',
        'refunded_active', 'disputed', 'duplicate_payment', 'amount_mismatch', 'identity_unknown', 'expired_pending')),
    status              TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'auto_resolved', 'resolved', 'dismissed')),
    subject             TEXT NOT NULL,
    -- subject_at is when the subject was created (a payment, a dispute) or
    -- paid (an order): a sweep auto-resolves only what its window covered.
    subject_at          TIMESTAMPTZ,
    order_id            BIGINT REFERENCES orders (id) ON DELETE SET NULL,
    email               TEXT,
    payment_intent_id   TEXT,
    charge_id           TEXT,
    checkout_session_id TEXT,
    dispute_id          TEXT,
    amount              BIGINT,
    currency            TEXT,
    expected_amount     BIGINT,
    expected_currency   TEXT,
    evidence            JSONB NOT NULL DEFAULT '{}',
    urgent              BOOLEAN NOT NULL DEFAULT FALSE,
    evidence_due_by     TIMESTAMPTZ,
    detected_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    detected_by_run     BIGINT REFERENCES recon_runs (id),
    last_seen_run       BIGINT REFERENCES recon_runs (id),
    last_seen_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_by          TEXT,
    claimed_at          TIMESTAMPTZ,
    resolved_at         TIMESTAMPTZ,
    resolution          TEXT,
    notes               TEXT NOT NULL DEFAULT '',
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE UNIQUE INDEX mismatches_open_key ON mismatches (kind, subject) WHERE status = 'open';
CREATE INDEX mismatches_status_detected_idx ON mismatches (status, detected_at DESC, id DESC);
CREATE INDEX mismatches_order_idx ON mismatches (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX mismatches_payment_intent_idx ON mismatches (payment_intent_id) WHERE payment_intent_id IS NOT NULL;

-- The sweep's staging: every processor object one run listed, batched in
-- as it streams, diffed with set-based SQL and deleted when the run ends.
-- UNLOGGED: a crash may lose it, and the next run lists everything again.
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
    created           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, object, id)
);

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
    order_id          BIGINT,
    plan_code         TEXT, -- the plan the payment bought, when known
    duplicate_of      TEXT, -- the earlier payment this one repeats
    PRIMARY KEY (run_id, payment_intent_id)
);

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
DROP TABLE recon_findings, recon_payments, recon_objects, mismatches;
