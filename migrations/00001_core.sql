-- +goose Up
CREATE TABLE plans (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    amount     BIGINT NOT NULL CHECK (amount > 0),
    currency   TEXT NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    interval   TEXT NOT NULL CHECK (interval IN ('month', 'year')),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id         BIGSERIAL PRIMARY KEY,
    email      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

CREATE TABLE orders (
    id                  BIGSERIAL PRIMARY KEY,
    public_ref          TEXT NOT NULL UNIQUE,
    email               TEXT NOT NULL,
    plan_code           TEXT NOT NULL REFERENCES plans (code),
    amount              BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'paid', 'fulfilled', 'expired', 'failed', 'refunded', 'disputed')),
    idempotency_key     TEXT NOT NULL UNIQUE,
    checkout_session_id TEXT UNIQUE,
    payment_intent_id   TEXT UNIQUE,
    charge_id           TEXT UNIQUE,
    account_id          BIGINT REFERENCES accounts (id),
    fulfilled_via       TEXT
        CHECK (fulfilled_via IN ('return_page', 'webhook', 'event_catchup', 'sweep', 'staff')),
    paid_at             TIMESTAMPTZ,
    fulfilled_at        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'fulfilled') = (fulfilled_via IS NOT NULL) OR status IN ('refunded', 'disputed'))
);
CREATE INDEX orders_email_idx ON orders (lower(email));
CREATE INDEX orders_status_created_idx ON orders (status, created_at);

CREATE TABLE entitlements (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    plan_code   TEXT NOT NULL REFERENCES plans (code),
    valid_until TIMESTAMPTZ NOT NULL,
    order_id    BIGINT NOT NULL REFERENCES orders (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, plan_code)
);

-- Every grant of access, one row per fulfilled order: the last line of
-- defence against extending an entitlement twice for one payment.
CREATE TABLE entitlement_grants (
    order_id    BIGINT PRIMARY KEY REFERENCES orders (id),
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    plan_code   TEXT NOT NULL REFERENCES plans (code),
    valid_from  TIMESTAMPTZ NOT NULL,
    valid_until TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE order_events (
    id         BIGSERIAL PRIMARY KEY,
    order_id   BIGINT NOT NULL REFERENCES orders (id),
    kind       TEXT NOT NULL,
    detail     JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

CREATE TABLE processor_events (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    object_id    TEXT NOT NULL DEFAULT '',
    payload      JSONB NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('webhook', 'event_catchup')),
    created_at   TIMESTAMPTZ NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at TIMESTAMPTZ,
    attempts     INT NOT NULL DEFAULT 0,
    last_error   TEXT
);
CREATE INDEX processor_events_unprocessed_idx ON processor_events (received_at) WHERE processed_at IS NULL;

CREATE TABLE error_reports (
    ref        TEXT PRIMARY KEY,
    route      TEXT NOT NULL,
    method     TEXT NOT NULL,
    status     INT NOT NULL,
    order_id   BIGINT REFERENCES orders (id),
    error      TEXT NOT NULL,
    request_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX error_reports_created_idx ON error_reports (created_at);

CREATE TABLE email_templates (
    name       TEXT NOT NULL,
    version    INT NOT NULL,
    subject    TEXT NOT NULL,
    html_body  TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT 'system',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);

CREATE TABLE email_messages (
    id               BIGSERIAL PRIMARY KEY,
    template         TEXT NOT NULL,
    template_version INT NOT NULL,
    to_email         TEXT NOT NULL,
    subject          TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    order_id         BIGINT REFERENCES orders (id),
    dedupe_key       TEXT NOT NULL UNIQUE,
    message_id       TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts         INT NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at          TIMESTAMPTZ
);
CREATE INDEX email_messages_to_idx ON email_messages (lower(to_email));

-- +goose Down
DROP TABLE email_messages, email_templates, error_reports, processor_events,
    order_events, entitlement_grants, entitlements, orders, accounts, plans;
