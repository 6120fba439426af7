-- +goose Up
-- Editable email templates (DESIGN section 7).
--
-- A version of a template is insert-only; the live version is the newest.
-- Version 0 is the shipped default as first seeded and is never
-- overwritten. Each version records the hash of the shipped default it was
-- based on (default_hash), so when a release changes a default the console
-- can say so and show the diff from the default the live version was based
-- on to the one the release ships. reverted_from names the version a revert
-- copied.
ALTER TABLE email_templates
    ADD COLUMN default_hash  TEXT NOT NULL DEFAULT '',
    ADD COLUMN reverted_from INT,
    ADD CONSTRAINT email_templates_version_check CHECK (version >= 0);

-- Every shipped default the app has carried, by the hash of its content
-- (ContentHash in internal/mail: SHA-256 over the SHA-256 of each part).
CREATE TABLE email_template_defaults (
    name          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    subject       TEXT NOT NULL,
    html_body     TEXT NOT NULL,
    text_body     TEXT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (name, content_hash)
);

-- At most one draft per template: the work in progress, saved only when it
-- validates, published by copying it into a new version. revision counts
-- saves: a save or a publish names the revision it was made from, and a
-- draft saved by someone else meanwhile refuses it instead of losing work.
-- base_version is the live version the draft was started from.
CREATE TABLE email_template_drafts (
    name         TEXT PRIMARY KEY,
    subject      TEXT NOT NULL,
    html_body    TEXT NOT NULL,
    text_body    TEXT NOT NULL,
    base_version INT NOT NULL,
    default_hash TEXT NOT NULL,
    revision     INT NOT NULL DEFAULT 1,
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A test send from the editor renders an unsaved draft, not a version, and
-- goes to a staff address: it is marked, has no version, and is never
-- counted as an email to a customer.
ALTER TABLE email_messages
    ADD COLUMN test BOOLEAN NOT NULL DEFAULT false,
    ALTER COLUMN template_version DROP NOT NULL,
    ADD CONSTRAINT email_messages_version_check CHECK (test OR template_version IS NOT NULL);

-- Databases seeded before this migration hold the default of their day as
-- version 1, written by 'system'. It becomes the shipped default on record
-- and version 0, and every version of that template is taken as based on it.
INSERT INTO email_template_defaults (name, content_hash, subject, html_body, text_body, first_seen_at)
SELECT name,
       encode(sha256(sha256(convert_to(subject, 'UTF8')) || sha256(convert_to(html_body, 'UTF8'))
           || sha256(convert_to(text_body, 'UTF8'))), 'hex'),
       subject, html_body, text_body, created_at
FROM email_templates
WHERE version = 1 AND created_by = 'system';

INSERT INTO email_templates (name, version, subject, html_body, text_body, created_by, created_at)
SELECT name, 0, subject, html_body, text_body, created_by, created_at
FROM email_templates
WHERE version = 1 AND created_by = 'system';

UPDATE email_templates t SET default_hash = d.content_hash
FROM email_template_defaults d
WHERE d.name = t.name;

-- +goose Down
DELETE FROM email_messages WHERE test;
ALTER TABLE email_messages
    DROP CONSTRAINT email_messages_version_check,
    ALTER COLUMN template_version SET NOT NULL,
    DROP COLUMN test;
DROP TABLE email_template_drafts;
DROP TABLE email_template_defaults;
DELETE FROM email_templates WHERE version = 0;
ALTER TABLE email_templates
    DROP CONSTRAINT email_templates_version_check,
    DROP COLUMN reverted_from,
    DROP COLUMN default_hash;
