-- Compliance review: assignment, risk, four-eyes, AML checklist templates and per-review
-- checklists, internal notes.

ALTER TABLE applications
    ADD COLUMN assigned_to          UUID REFERENCES users (id),
    ADD COLUMN assigned_at          TIMESTAMPTZ,
    -- The reviewer who asked for information: the resubmission returns to them.
    ADD COLUMN last_reviewer        UUID REFERENCES users (id),
    -- Copied from the data at (re)submission, for the queue's columns and filters.
    ADD COLUMN legal_name           TEXT,
    ADD COLUMN industry             TEXT,
    ADD COLUMN risk_score           INT,
    ADD COLUMN risk_tier            TEXT CHECK (risk_tier IN ('low', 'medium', 'high')),
    ADD COLUMN risk_factors         JSONB,
    ADD COLUMN risk_tier_override   TEXT CHECK (risk_tier_override IN ('low', 'medium', 'high')),
    ADD COLUMN risk_override_reason TEXT,
    ADD COLUMN risk_override_by     UUID REFERENCES users (id),
    ADD COLUMN effective_tier       TEXT GENERATED ALWAYS AS (COALESCE(risk_tier_override, risk_tier)) STORED,
    -- Who proposed approval of a high-risk case: never its second approver.
    ADD COLUMN proposed_by          UUID REFERENCES users (id);

-- The queue: oldest first, with keyset pagination on (submitted_at, id).
CREATE INDEX applications_queue ON applications (submitted_at, id)
    WHERE state IN ('submitted', 'in_review', 'pending_second_approval');
CREATE INDEX applications_queue_assignee ON applications (assigned_to, submitted_at, id)
    WHERE state IN ('submitted', 'in_review', 'pending_second_approval');
CREATE INDEX applications_queue_tier ON applications (effective_tier, submitted_at, id)
    WHERE state IN ('submitted', 'in_review', 'pending_second_approval');
CREATE INDEX applications_decided ON applications (decided_at) WHERE decided_at IS NOT NULL;

-- Checklist templates, one list of steps per tier. Edits apply to reviews started afterwards.
CREATE TABLE checklist_template_steps (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tier       TEXT NOT NULL CHECK (tier IN ('low', 'medium', 'high')),
    position   INT NOT NULL,
    code       TEXT NOT NULL,
    title_zh   TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    required   BOOLEAN NOT NULL DEFAULT true,
    -- The system check that prefills the step, if any.
    auto_check TEXT CHECK (auto_check IN ('entity', 'identity', 'owners', 'screening', 'settlement')),
    UNIQUE (tier, code)
);

-- A review's own copy of its tier's steps, taken when the review starts.
CREATE TABLE review_checklist (
    application_id  UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    code            TEXT NOT NULL,
    position        INT NOT NULL,
    title_zh        TEXT NOT NULL,
    title_en        TEXT NOT NULL,
    required        BOOLEAN NOT NULL,
    auto_check      TEXT,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'pass', 'fail', 'na')),
    -- What the automatic check found (to be confirmed by the reviewer).
    suggested       TEXT CHECK (suggested IN ('pass', 'fail')),
    suggestion_note TEXT,
    note            TEXT NOT NULL DEFAULT '',
    evidence        UUID[] NOT NULL DEFAULT '{}',
    decided_by      UUID REFERENCES users (id),
    decided_at      TIMESTAMPTZ,
    PRIMARY KEY (application_id, code)
);

CREATE TABLE review_notes (
    id             BIGSERIAL PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    author_id      UUID REFERENCES users (id),
    author_label   TEXT NOT NULL,
    body           TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX review_notes_app ON review_notes (application_id, id);

-- The seeded defaults (DOMAIN.md, "AML checklist"); high risk adds enhanced due diligence.
INSERT INTO checklist_template_steps (tier, position, code, title_zh, title_en, required, auto_check)
SELECT t.tier, s.position, s.code, s.title_zh, s.title_en, true, s.auto_check
FROM (VALUES ('low'), ('medium'), ('high')) AS t (tier)
CROSS JOIN (VALUES
    (1, 'entity', '主体资质核验：营业执照真实有效，名称与统一社会信用代码与申请一致', 'Entity: licence authentic and valid; name and credit code match the application', 'entity'),
    (2, 'legal_person', '法人身份核验：证件与申请一致、未过期、年满 18 周岁', 'Legal person: ID matches the application, not expired, 18 or older', 'identity'),
    (3, 'owners', '受益所有人识别：符合受益所有人规则或豁免理由充分', 'Beneficial owners: rules satisfied or exemption justified', 'owners'),
    (4, 'screening', '制裁与 PEP 筛查：主体、法人、受益所有人已筛查，命中均已处置', 'Sanctions and PEP screening: entity, legal person and owners screened; every hit dispositioned', 'screening'),
    (5, 'settlement', '结算账户核验：对公账户名称与主体名称一致，开户证明相符', 'Settlement account: corporate account name equals legal name; bank proof matches', 'settlement'),
    (6, 'business_scope', '经营范围与行业匹配：经营范围支持所选行业', 'Business scope supports the industry', NULL),
    (7, 'scenes', '经营场景核验：网站 / App / 门店已核查，证据已附', 'Business scenes: website / app / store reviewed, evidence attached', NULL),
    (8, 'adverse_media', '负面信息：负面新闻与风险名单核查已记录', 'Adverse media and risk-list check noted', NULL),
    (9, 'risk_rating', '风险评级：确认自动评分，或说明理由后调整', 'Risk rating: automatic score confirmed or overridden with a reason', NULL)
) AS s (position, code, title_zh, title_en, auto_check);

INSERT INTO checklist_template_steps (tier, position, code, title_zh, title_en, required, auto_check) VALUES
    ('high', 10, 'source_of_funds', '强化尽调：资金来源已核实', 'Enhanced due diligence: source of funds verified', true, NULL),
    ('high', 11, 'site_verification', '强化尽调：已完成视频或实地核验', 'Enhanced due diligence: video or on-site verification done', true, NULL);
