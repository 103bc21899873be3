-- Merchant applications: sections (drafts saved per section, each with its own version),
-- documents, the transition history and reviewers' requests for information.

CREATE TABLE applications (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id    UUID NOT NULL REFERENCES organisations (id),
    state              TEXT NOT NULL DEFAULT 'draft' CHECK (state IN (
                           'draft', 'submitted', 'in_review', 'info_requested',
                           'pending_second_approval', 'approved', 'rejected', 'withdrawn')),
    -- Checked and bumped by every transition: concurrent decisions, exactly one wins.
    version            INT NOT NULL DEFAULT 1,
    created_by         UUID REFERENCES users (id),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The latest (re)submission: what the review queue's waiting time counts from.
    submitted_at       TIMESTAMPTZ,
    first_submitted_at TIMESTAMPTZ,
    decided_at         TIMESTAMPTZ
);
-- One active application per organisation; closed ones (rejected, withdrawn) stay as history.
CREATE UNIQUE INDEX applications_one_active ON applications (organisation_id)
    WHERE state NOT IN ('rejected', 'withdrawn');
CREATE INDEX applications_state_waiting ON applications (state, submitted_at, id);

CREATE TABLE application_sections (
    application_id UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    section        TEXT NOT NULL CHECK (section IN (
                       'entity', 'legal-person', 'owners', 'settlement', 'contact', 'scenes', 'self-assessment')),
    -- Flat map of field key to normalised text.
    data           JSONB NOT NULL DEFAULT '{}',
    -- Optimistic concurrency: a save names the version it edited.
    version        INT NOT NULL DEFAULT 0,
    updated_by     UUID REFERENCES users (id),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, section)
);

-- The data as it was at each (re)submission, for reviewers' diffs.
CREATE TABLE application_snapshots (
    id             BIGSERIAL PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    taken_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    data           JSONB NOT NULL
);
CREATE INDEX application_snapshots_app ON application_snapshots (application_id, id);

CREATE TABLE documents (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id  UUID NOT NULL REFERENCES applications (id),
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    kind            TEXT NOT NULL,
    -- The beneficial owner an owner ID document belongs to.
    subject         TEXT,
    -- Made by the server; the original name is only metadata.
    object_key      TEXT NOT NULL UNIQUE,
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes      BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256          BYTEA NOT NULL,
    uploaded_by     UUID REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Replaced or deleted by the merchant. The object is kept: materials are retained.
    removed_at      TIMESTAMPTZ,
    removed_by      UUID REFERENCES users (id)
);
CREATE INDEX documents_application ON documents (application_id, kind) WHERE removed_at IS NULL;

-- The timeline: every transition with its merchant-facing message and internal note.
CREATE TABLE application_transitions (
    id               BIGSERIAL PRIMARY KEY,
    application_id   UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    from_state       TEXT,
    to_state         TEXT NOT NULL,
    action           TEXT NOT NULL,
    actor_id         UUID REFERENCES users (id),
    actor_label      TEXT NOT NULL,
    reason_code      TEXT,
    merchant_message TEXT,
    internal_note    TEXT,
    at               TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX application_transitions_app ON application_transitions (application_id, id);

-- A reviewer's request for one field or document. Open until the merchant resubmits; due in
-- the ledger until the field's value or the document changes.
CREATE TABLE info_requests (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id   UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    transition_id    BIGINT REFERENCES application_transitions (id),
    section          TEXT NOT NULL,
    field_key        TEXT,
    doc_kind         TEXT,
    doc_subject      TEXT,
    value_at_request TEXT,
    reason_code      TEXT NOT NULL,
    message          TEXT NOT NULL,
    created_by       UUID REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at        TIMESTAMPTZ,
    CHECK ((field_key IS NULL) <> (doc_kind IS NULL))
);
CREATE INDEX info_requests_open ON info_requests (application_id) WHERE closed_at IS NULL;
