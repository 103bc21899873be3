-- Fee schedules (versioned templates), their assignment to approved merchants, and fee
-- contracts. Money is integer fen and rates integer ppm inside the JSON bodies, which are the
-- domain's `Schedule` (app/src/domain/fees.rs) serialised.

CREATE TABLE fee_schedules (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    created_by UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE fee_schedule_versions (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    schedule_id UUID NOT NULL REFERENCES fee_schedules (id),
    version     INT NOT NULL CHECK (version >= 1),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    body        JSONB NOT NULL,
    -- Set once an assignment uses the version; from then on it never changes.
    in_use      BOOLEAN NOT NULL DEFAULT false,
    created_by  UUID REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (schedule_id, version)
);

CREATE FUNCTION fee_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.in_use AND (NEW.body IS DISTINCT FROM OLD.body OR NEW.name IS DISTINCT FROM OLD.name
                       OR NOT NEW.in_use) THEN
        RAISE EXCEPTION 'fee schedule version % is in use and cannot change', OLD.id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER fee_schedule_versions_frozen BEFORE UPDATE ON fee_schedule_versions
    FOR EACH ROW EXECUTE FUNCTION fee_version_frozen();

-- A merchant's fee schedule: one template version with negotiated per-method rates.
CREATE TABLE fee_assignments (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    version_id      UUID NOT NULL REFERENCES fee_schedule_versions (id),
    -- {"wechat_pay": 3000, …} in ppm.
    overrides       JSONB NOT NULL DEFAULT '{}',
    -- Methods whose negotiated rate is below the template's floor.
    below_floor     TEXT[] NOT NULL DEFAULT '{}',
    effective_from  DATE NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending_approval', 'active', 'declined', 'superseded')),
    created_by      UUID REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_by      UUID REFERENCES users (id),
    decided_at      TIMESTAMPTZ,
    decision_note   TEXT,
    CHECK (status <> 'pending_approval' OR cardinality(below_floor) > 0)
);
CREATE INDEX fee_assignments_org ON fee_assignments (organisation_id, created_at DESC);
CREATE UNIQUE INDEX fee_assignments_one_active ON fee_assignments (organisation_id) WHERE status = 'active';
CREATE INDEX fee_assignments_pending ON fee_assignments (created_at) WHERE status = 'pending_approval';

CREATE SEQUENCE contract_number_seq;

CREATE TABLE contracts (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    number              TEXT NOT NULL UNIQUE,
    organisation_id     UUID NOT NULL REFERENCES organisations (id),
    assignment_id       UUID NOT NULL REFERENCES fee_assignments (id),
    state               TEXT NOT NULL CHECK (state IN ('draft', 'sent', 'accepted', 'withdrawn', 'superseded')),
    -- The canonical content (domain `ContractContent`) and the SHA-256 of its canonical JSON.
    content             JSONB NOT NULL,
    content_hash        TEXT NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    created_by          UUID REFERENCES users (id),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_by             UUID REFERENCES users (id),
    sent_at             TIMESTAMPTZ,
    closed_by           UUID REFERENCES users (id),
    closed_at           TIMESTAMPTZ,
    accepted_by         UUID REFERENCES users (id),
    accepted_at         TIMESTAMPTZ,
    accepted_ip         TEXT,
    accepted_user_agent TEXT,
    accepted_name       TEXT,
    accepted_hash       TEXT,
    CHECK (state <> 'accepted' OR (accepted_by IS NOT NULL AND accepted_at IS NOT NULL
                                   AND accepted_hash = content_hash))
);
CREATE INDEX contracts_org ON contracts (organisation_id, created_at DESC);
-- At most one contract awaits the merchant's signature.
CREATE UNIQUE INDEX contracts_one_sent ON contracts (organisation_id) WHERE state = 'sent';

-- An accepted contract never changes; a contract's content never changes at all.
CREATE FUNCTION contract_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'contracts are never deleted';
    END IF;
    IF OLD.state = 'accepted' THEN
        RAISE EXCEPTION 'contract % is accepted and cannot change', OLD.number;
    END IF;
    IF NEW.content IS DISTINCT FROM OLD.content OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
       OR NEW.number IS DISTINCT FROM OLD.number THEN
        RAISE EXCEPTION 'the content of contract % cannot change', OLD.number;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER contracts_frozen BEFORE UPDATE OR DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION contract_frozen();
