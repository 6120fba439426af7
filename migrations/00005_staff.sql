-- +goose Up
-- Staff logins for the console (DESIGN section 9). Emails are unique
-- whatever their case; the password is an argon2id PHC string, never the
-- password itself.
CREATE TABLE staff_users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('support', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    disabled_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX staff_users_email_key ON staff_users (lower(email));

-- A signed-in browser. id is the SHA-256 of the token in the cookie, so a
-- copy of this table cannot be replayed as sessions.
CREATE TABLE staff_sessions (
    id            BYTEA PRIMARY KEY CHECK (length(id) = 32),
    staff_user_id BIGINT NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_sessions_user ON staff_sessions (staff_user_id);
CREATE INDEX staff_sessions_expires_at ON staff_sessions (expires_at);

-- Who did what, for staff actions and their sign-ins. actor is an email or
-- the command that acted (e.g. "backstop staff add").
CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    details    JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_at ON audit_log (created_at DESC);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE staff_sessions;
DROP TABLE staff_users;
