-- Accounts and access: organisations, users, single-use tokens, server-side sessions,
-- TOTP recovery codes and login throttling.

CREATE TABLE organisations (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id     UUID REFERENCES organisations (id),
    -- Stored trimmed and lower-cased; unique.
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL DEFAULT '',
    mobile              TEXT,
    role                TEXT NOT NULL CHECK (role IN ('merchant', 'reviewer', 'compliance_lead', 'account_manager', 'admin')),
    -- PHC string (argon2id); NULL until an invited user sets one.
    password_hash       TEXT,
    password_changed_at TIMESTAMPTZ,
    email_verified_at   TIMESTAMPTZ,
    disabled_at         TIMESTAMPTZ,
    lang                TEXT NOT NULL DEFAULT 'zh-CN' CHECK (lang IN ('zh-CN', 'en')),
    -- TOTP secret encrypted with a key derived from GATEHOUSE_SECRET_KEY (nonce || ciphertext).
    totp_secret         BYTEA,
    totp_enabled_at     TIMESTAMPTZ,
    -- Last accepted time step: a code is accepted once only.
    totp_last_step      BIGINT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT merchants_belong_to_an_organisation CHECK ((role = 'merchant') = (organisation_id IS NOT NULL))
);
CREATE INDEX users_organisation ON users (organisation_id);

-- Email verification, password reset and set-password (invitation) links. Only the SHA-256
-- of the token is stored.
CREATE TABLE user_tokens (
    token_hash BYTEA PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'set_password')),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- Server-side sessions; the cookie carries a random token, the table its SHA-256.
CREATE TABLE sessions (
    id_hash           BYTEA PRIMARY KEY,
    user_id           UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    idle_timeout_secs INT NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    -- false while a staff login waits for its TOTP code (or for enrolment where required).
    mfa_passed        BOOLEAN NOT NULL,
    ip                TEXT,
    user_agent        TEXT,
    -- A one-time message for the next page of this session (such as recovery codes shown
    -- once), encrypted; read and cleared in one statement.
    flash             BYTEA
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE recovery_codes (
    user_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BYTEA NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

-- Failed logins per key ('account:<email>', 'ip:<address>', 'pair:<email>|<address>').
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        INT NOT NULL,
    last_failure_at TIMESTAMPTZ NOT NULL,
    blocked_until   TIMESTAMPTZ
);

-- Rate limits for actions such as "resend verification email": one row per key and window.
CREATE TABLE rate_limits (
    key        TEXT NOT NULL,
    window_end TIMESTAMPTZ NOT NULL,
    hits       INT NOT NULL,
    PRIMARY KEY (key)
);
