-- +goose Up
-- The subscription invoices one sweep listed (DESIGN section 6): a paid
-- invoice with no invoice_grants row is a renewal to heal, or, tied to no
-- order of ours, an unserved_renewal for a person. Staging like
-- recon_objects: unlogged, no key, emptied at each run's start and end.
-- doc is the invoice as listed, handed back to billing when healed.
CREATE UNLOGGED TABLE recon_invoices (
    run_id            BIGINT NOT NULL,
    id                TEXT NOT NULL,
    subscription_id   TEXT NOT NULL,
    billing_reason    TEXT NOT NULL,
    paid              BOOLEAN NOT NULL,
    amount            BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    email             TEXT,
    payment_intent_id TEXT,
    charge_id         TEXT,
    public_ref        TEXT,
    created           TIMESTAMPTZ NOT NULL,
    doc               JSONB NOT NULL
);

-- The processor's subscriptions one sweep listed: one it says ended or
-- went unpaid while our access runs past what its paid invoices granted
-- plus RENEWAL_GRACE is a lapsed_unpaid for a person.
CREATE UNLOGGED TABLE recon_subscriptions (
    run_id             BIGINT NOT NULL,
    id                 TEXT NOT NULL,
    status             TEXT NOT NULL,
    current_period_end TIMESTAMPTZ,
    ended_at           TIMESTAMPTZ
);

-- +goose Down
DROP TABLE recon_invoices, recon_subscriptions;
