-- +goose Up
-- Incident mode (DESIGN section 9): after an outage, a window's payments
-- listed at the processor, classified against our orders and emails, and
-- acted on through Fulfill (fulfilled_via = incident), with one apology per
-- affected customer.
ALTER TABLE orders DROP CONSTRAINT orders_fulfilled_via_check;
ALTER TABLE orders ADD CONSTRAINT orders_fulfilled_via_check
    CHECK (fulfilled_via IN ('return_page', 'webhook', 'event_catchup', 'sweep', 'staff', 'claim', 'incident'));

CREATE TABLE incidents (
    id           BIGSERIAL PRIMARY KEY,
    window_from  TIMESTAMPTZ NOT NULL,
    window_to    TIMESTAMPTZ NOT NULL CHECK (window_to > window_from AND window_to - window_from <= INTERVAL '3 days'),
    planned_by   TEXT NOT NULL,
    planned_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    api_calls    INT NOT NULL DEFAULT 0,
    objects_seen INT NOT NULL DEFAULT 0,
    -- planned: a dry run, nothing done; running; done; cancelled (the
    -- payments not yet acted on are left alone).
    status       TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'running', 'done', 'cancelled')),
    no_apology   BOOLEAN NOT NULL DEFAULT FALSE,
    run_by       TEXT,
    run_at       TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ,
    apologies    INT NOT NULL DEFAULT 0
);

-- One row per succeeded payment intent of the window, with what the
-- processor and our database said when the plan was made, the planned
-- action, and what the run did (outcome NULL until then).
CREATE TABLE incident_payments (
    incident_id       BIGINT NOT NULL REFERENCES incidents (id),
    payment_intent_id TEXT NOT NULL,
    charge_id         TEXT,
    session_id        TEXT,
    email             TEXT,
    amount            BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    public_ref        TEXT,
    order_ref         TEXT,
    plan_code         TEXT,
    order_id          BIGINT,
    created           TIMESTAMPTZ NOT NULL,
    paid              BOOLEAN NOT NULL,
    served            BOOLEAN NOT NULL,
    emailed           BOOLEAN NOT NULL,
    refunded          BOOLEAN NOT NULL,
    disputed          BOOLEAN NOT NULL,
    action            TEXT NOT NULL CHECK (action IN ('provision', 'email_only', 'refund_review', 'nothing')),
    outcome           TEXT,
    done_at           TIMESTAMPTZ,
    PRIMARY KEY (incident_id, payment_intent_id)
);
CREATE INDEX incident_payments_pending_idx ON incident_payments (incident_id) WHERE outcome IS NULL;

-- +goose Down
DROP TABLE incident_payments, incidents;
UPDATE orders SET fulfilled_via = 'staff' WHERE fulfilled_via = 'incident';
ALTER TABLE orders DROP CONSTRAINT orders_fulfilled_via_check;
ALTER TABLE orders ADD CONSTRAINT orders_fulfilled_via_check
    CHECK (fulfilled_via IN ('return_page', 'webhook', 'event_catchup', 'sweep', 'staff', 'claim'));
