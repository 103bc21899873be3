//! Application use cases for merchants: load, save a section, submit, withdraw, start anew;
//! and the one transition function every state change goes through.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::backend::audit::{self, Actor, Event};
use crate::backend::auth::{self, CurrentUser};
use crate::backend::db;
use crate::backend::db::applications::{ApplicationRow, InfoRequestRow, NewTransition};
use crate::backend::db::documents::DocumentRow;
use crate::backend::mail::{self, Email, Template};
use crate::backend::request::RequestCtx;
use crate::backend::state::AppState;
use crate::domain::application::{normalise_section, ApplicationData, Section, SectionData};
use crate::domain::documents::DocKind;
use crate::domain::lang::Lang;
use crate::domain::ledger::{self, OpenRequest, Requirement, Target};
use crate::domain::states::{self, Action, AppState as S};
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;

/// Today in China (UTC+8): licence and ID validity are judged by the local date.
pub fn today() -> NaiveDate {
    crate::components::time::cst(Utc::now()).date_naive()
}

/// Everything about one application, loaded together.
pub struct Loaded {
    pub row: ApplicationRow,
    pub state: S,
    pub data: ApplicationData,
    pub versions: BTreeMap<Section, SectionMeta>,
    pub documents: Vec<DocumentRow>,
    pub requests: Vec<InfoRequestRow>,
}

#[derive(Debug, Clone)]
pub struct SectionMeta {
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

fn section_data(value: &serde_json::Value) -> SectionData {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

pub async fn load(state: &AppState, row: ApplicationRow) -> Result<Loaded, AppError> {
    let app_state = S::parse(&row.state)
        .ok_or_else(|| AppError::internal(format!("unknown state {}", row.state)))?;
    let mut data = ApplicationData::default();
    let mut versions = BTreeMap::new();
    for s in db::applications::sections(&state.db, row.id).await? {
        if let Some(section) = Section::from_slug(&s.section) {
            data.sections.insert(section, section_data(&s.data));
            versions.insert(
                section,
                SectionMeta {
                    version: s.version,
                    updated_at: s.updated_at,
                    updated_by: s.updated_by_name,
                },
            );
        }
    }
    let documents = db::documents::for_application(&state.db, row.id).await?;
    let requests = db::applications::open_requests(&state.db, row.id).await?;
    Ok(Loaded {
        row,
        state: app_state,
        data,
        versions,
        documents,
        requests,
    })
}

impl Loaded {
    pub fn doc_refs(&self) -> Vec<(DocKind, Option<String>)> {
        self.documents
            .iter()
            .filter_map(|d| DocKind::parse(&d.kind).map(|k| (k, d.subject.clone())))
            .collect()
    }

    fn request_target(r: &InfoRequestRow) -> Option<Target> {
        let section = Section::from_slug(&r.section)?;
        match (&r.field_key, &r.doc_kind) {
            (Some(key), None) => Some(Target::Field {
                section,
                key: key.clone(),
            }),
            (None, Some(kind)) => Some(Target::Document {
                kind: DocKind::parse(kind)?,
                subject: r.doc_subject.clone(),
            }),
            _ => None,
        }
    }

    /// Requests the merchant has not answered yet: the field still has the value it had, or
    /// no document of the kind was uploaded since.
    pub fn unanswered(&self) -> Vec<OpenRequest> {
        self.requests
            .iter()
            .filter_map(|r| {
                let target = Self::request_target(r)?;
                let answered = match &target {
                    Target::Field { section, key } => {
                        self.data.get(*section, key) != r.value_at_request.as_deref()
                    }
                    Target::Document { kind, subject } => self.documents.iter().any(|d| {
                        d.kind == kind.slug()
                            && (subject.is_none() || d.subject == *subject)
                            && d.created_at > r.created_at
                    }),
                };
                (!answered).then(|| OpenRequest {
                    target,
                    reason: r.reason_code.clone(),
                    message: r.message.clone(),
                })
            })
            .collect()
    }

    pub fn ledger(&self) -> Vec<Requirement> {
        ledger::requirements(&self.data, &self.doc_refs(), &self.unanswered(), today())
    }

    /// What the merchant may change now: everything in a draft; in `info_requested`, only
    /// what a reviewer asked for.
    pub fn may_edit(&self, target: &Target) -> bool {
        match self.state {
            S::Draft => true,
            S::InfoRequested => {
                self.requests
                    .iter()
                    .filter_map(Self::request_target)
                    .any(|t| match (&t, target) {
                        (
                            Target::Field {
                                section: a,
                                key: ka,
                            },
                            Target::Field {
                                section: b,
                                key: kb,
                            },
                        ) => a == b && ka == kb,
                        (
                            Target::Document {
                                kind: a,
                                subject: sa,
                            },
                            Target::Document {
                                kind: b,
                                subject: sb,
                            },
                        ) => a == b && (sa.is_none() || sa == sb),
                        _ => false,
                    })
            }
            _ => false,
        }
    }
}

/// The organisation's current application, created (as a draft) on first use.
pub async fn current(state: &AppState, user: &CurrentUser) -> Result<Loaded, AppError> {
    let org = user.organisation()?;
    if let Some(row) = db::applications::current_for_organisation(&state.db, org).await? {
        return load(state, row).await;
    }
    let mut tx = state.db.begin().await?;
    if let Some(id) = db::applications::create(&mut tx, org, user.id).await? {
        audit::append(
            &mut tx,
            &Actor {
                id: Some(user.id),
                label: user.email.clone(),
                ip: None,
            },
            Event {
                action: "application.created",
                object_type: "application",
                object_id: id.to_string(),
                details: json!({"organisation_id": org}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    let row = db::applications::current_for_organisation(&state.db, org)
        .await?
        .ok_or_else(|| AppError::internal("application vanished after creation"))?;
    load(state, row).await
}

fn t(lang: Lang) -> Locale {
    lang.locale()
}

pub struct Saved {
    pub version: i32,
    pub completeness: (usize, usize),
    pub due: usize,
}

/// Saves one section of the draft (or the requested fields of an application waiting for
/// information). Malformed values are refused field by field with nothing stored; a stale
/// version is a conflict naming who saved in between. Submitted values are echoed back in
/// every refusal so a form posted without JavaScript comes back as it was.
pub async fn save_section(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    section: Section,
    version: i32,
    submitted: SectionData,
) -> Result<Saved, AppError> {
    let loaded = current(state, user).await?;
    let echo = |mut e: FieldErrors| {
        for (k, v) in &submitted {
            e.values.push((k.clone(), v.clone()));
        }
        e
    };
    if !loaded.state.merchant_editable() {
        return Err(AppError::Conflict(
            td_string!(t(ctx.lang), portal.not_editable).to_string(),
        ));
    }
    let normalised = match normalise_section(section, &submitted, today()) {
        Ok(d) => d,
        Err(problems) => {
            let mut e = FieldErrors::new();
            for (key, p) in problems {
                e.add(&key, p.message(ctx.lang));
            }
            return Err(AppError::Validation(echo(e)));
        }
    };
    let previous = loaded
        .data
        .sections
        .get(&section)
        .cloned()
        .unwrap_or_default();
    // In info_requested, only the requested fields may change.
    if loaded.state == S::InfoRequested {
        let mut locked = FieldErrors::new();
        let keys: std::collections::BTreeSet<&String> =
            normalised.keys().chain(previous.keys()).collect();
        for key in keys {
            if normalised.get(key) != previous.get(key)
                && !loaded.may_edit(&Target::Field {
                    section,
                    key: key.clone(),
                })
            {
                locked.add(key, td_string!(t(ctx.lang), portal.field_locked));
            }
        }
        if !locked.is_empty() {
            return Err(AppError::Validation(echo(locked)));
        }
    }
    let mut tx = state.db.begin().await?;
    let data = serde_json::to_value(&normalised).map_err(AppError::internal)?;
    let Some(new_version) = db::applications::save_section(
        &mut tx,
        loaded.row.id,
        section.slug(),
        version,
        &data,
        user.id,
    )
    .await?
    else {
        drop(tx);
        // Who saved in between (read now: they committed after this request loaded).
        let winner = db::applications::sections(&state.db, loaded.row.id)
            .await?
            .into_iter()
            .find(|s| s.section == section.slug());
        let who = winner
            .as_ref()
            .and_then(|m| m.updated_by_name.clone())
            .unwrap_or_default();
        let when = winner
            .map(|m| crate::components::time::format_cst(m.updated_at))
            .unwrap_or_default();
        let msg = td_string!(t(ctx.lang), portal.save_conflict, who = who, when = when);
        return Err(AppError::Validation(echo(FieldErrors::single("form", msg))));
    };
    let changed: Vec<&String> = normalised
        .keys()
        .chain(previous.keys())
        .filter(|k| normalised.get(*k) != previous.get(*k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "application.section_saved",
            object_type: "application",
            object_id: loaded.row.id.to_string(),
            details: json!({"section": section.slug(), "version": new_version, "changed": changed}),
        },
    )
    .await?;
    tx.commit().await?;

    let mut after = loaded;
    after.data.sections.insert(section, normalised);
    Ok(Saved {
        version: new_version,
        completeness: after.data.completeness(section),
        due: after.ledger().len(),
    })
}

/// One requested transition: of which application, from the version the actor saw.
pub struct Step<'a> {
    pub application_id: Uuid,
    pub seen_version: i32,
    pub action: Action,
    pub actor: &'a Actor,
    pub decision: Decision<'a>,
}

/// Extra facts a transition records.
#[derive(Default)]
pub struct Decision<'a> {
    pub reason_code: Option<&'a str>,
    pub merchant_message: Option<&'a str>,
    pub internal_note: Option<&'a str>,
}

/// The one transition function: checks the state machine and the version the caller saw, in
/// a transaction that also writes the transition, the audit row and the merchant's email.
/// A stale version is a conflict naming who acted in between.
pub async fn transition(
    conn: &mut PgConnection,
    state: &AppState,
    lang: Lang,
    step: Step<'_>,
) -> Result<S, AppError> {
    let Step {
        application_id,
        seen_version,
        action,
        actor,
        decision,
    } = step;
    let row = db::applications::lock(conn, application_id)
        .await?
        .ok_or_else(|| auth::not_found(lang))?;
    let from = S::parse(&row.state).ok_or_else(|| AppError::internal("unknown state"))?;
    if row.version != seen_version {
        let last = db::applications::last_transition(conn, application_id).await?;
        let who = last
            .as_ref()
            .map(|l| l.actor_label.clone())
            .unwrap_or_default();
        let what = last.map(|l| l.to_state).unwrap_or_default();
        return Err(AppError::Conflict(td_string!(
            t(lang),
            portal.transition_conflict,
            who = who,
            state = state_label(lang, &what)
        )));
    }
    let to = states::transition(from, action).ok_or_else(|| {
        AppError::Conflict(td_string!(
            t(lang),
            portal.transition_not_allowed,
            state = state_label(lang, from.as_str())
        ))
    })?;
    if !db::applications::set_state(conn, application_id, seen_version, to.as_str()).await? {
        return Err(AppError::Conflict(td_string!(
            t(lang),
            portal.transition_conflict,
            who = "",
            state = ""
        )));
    }
    db::applications::insert_transition(
        conn,
        &NewTransition {
            application_id,
            from_state: from.as_str(),
            to_state: to.as_str(),
            action: action.as_str(),
            actor_id: actor.id,
            actor_label: &actor.label,
            reason_code: decision.reason_code,
            merchant_message: decision.merchant_message,
            internal_note: decision.internal_note,
        },
    )
    .await?;
    audit::append(conn, actor, Event {
        action: "application.transition",
        object_type: "application",
        object_id: application_id.to_string(),
        details: json!({"from": from.as_str(), "to": to.as_str(), "action": action.as_str(), "reason_code": decision.reason_code}),
    })
    .await?;
    if let Some(template) = status_template(from, to) {
        for (to_addr, lang) in recipients(conn, row.organisation_id, application_id).await? {
            mail::enqueue(
                conn,
                &state.settings,
                Email {
                    template,
                    to: &to_addr,
                    lang,
                    vars: vec![
                        ("state", state_label(lang, to.as_str())),
                        (
                            "message",
                            decision.merchant_message.unwrap_or("").to_string(),
                        ),
                        ("link", state.settings.url("/portal")),
                    ],
                },
            )
            .await?;
        }
    }
    Ok(to)
}

/// The emails a merchant gets, by transition.
fn status_template(from: S, to: S) -> Option<Template> {
    match (from, to) {
        (S::Draft, S::Submitted) => Some(Template::APPLICATION_RECEIVED),
        (S::InfoRequested, S::Submitted) => Some(Template::APPLICATION_RESUBMITTED),
        _ => None,
    }
}

/// The merchant's contacts: the application's contact email and the organisation's verified
/// users, each in their own language (the contact in the first user's).
pub async fn recipients(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    application_id: Uuid,
) -> Result<Vec<(String, Lang)>, sqlx::Error> {
    let users = db::users::verified_in_organisation(conn, organisation_id).await?;
    let mut out: Vec<(String, Lang)> = users
        .into_iter()
        .map(|(e, l)| (e, Lang::parse(&l).unwrap_or_default()))
        .collect();
    let contact = db::applications::contact_email(conn, application_id).await?;
    if let Some(c) = contact {
        if !out.iter().any(|(e, _)| *e == c) {
            let lang = out.first().map(|(_, l)| *l).unwrap_or_default();
            out.push((c, lang));
        }
    }
    Ok(out)
}

/// Emails the organisation's verified users and the application's contact, each in their
/// language, within the caller's transaction. `link` is the portal page the message is about.
pub async fn tell_merchant(
    tx: &mut PgConnection,
    state: &AppState,
    organisation_id: Uuid,
    application_id: Uuid,
    link: &str,
    template: Template,
    vars: impl Fn(Lang) -> Vec<(&'static str, String)>,
) -> Result<(), AppError> {
    for (to, lang) in recipients(tx, organisation_id, application_id).await? {
        let mut v = vars(lang);
        v.push(("link", state.settings.url(link)));
        mail::enqueue(
            tx,
            &state.settings,
            Email {
                template,
                to: &to,
                lang,
                vars: v,
            },
        )
        .await?;
    }
    Ok(())
}

fn state_label(lang: Lang, state: &str) -> String {
    S::parse(state)
        .map(|s| crate::components::labels::state_label(lang.locale(), s).to_string())
        .unwrap_or_default()
}

/// Submits the draft (or resubmits after a request for information) when nothing is due.
pub async fn submit(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    seen_version: i32,
) -> Result<S, AppError> {
    let loaded = current(state, user).await?;
    let action = match loaded.state {
        S::Draft => Action::Submit,
        S::InfoRequested => Action::Resubmit,
        other => {
            return Err(AppError::Conflict(td_string!(
                t(ctx.lang),
                portal.transition_not_allowed,
                state = state_label(ctx.lang, other.as_str())
            )))
        }
    };
    let due = loaded.ledger();
    if !due.is_empty() {
        return Err(AppError::Validation(FieldErrors::single(
            "form",
            td_string!(t(ctx.lang), portal.ledger_not_empty, n = due.len()),
        )));
    }
    let mut tx = state.db.begin().await?;
    let to = transition(
        &mut tx,
        state,
        ctx.lang,
        Step {
            application_id: loaded.row.id,
            seen_version,
            action,
            actor: &user.actor(ctx),
            decision: Decision::default(),
        },
    )
    .await?;
    db::applications::insert_snapshot(
        &mut tx,
        loaded.row.id,
        &serde_json::to_value(&loaded.data).map_err(AppError::internal)?,
    )
    .await?;
    super::review::record_submission(&mut tx, loaded.row.id, &loaded.data).await?;
    db::applications::close_requests(&mut tx, loaded.row.id).await?;
    tx.commit().await?;
    Ok(to)
}

pub async fn withdraw(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    seen_version: i32,
) -> Result<S, AppError> {
    let loaded = current(state, user).await?;
    let mut tx = state.db.begin().await?;
    let to = transition(
        &mut tx,
        state,
        ctx.lang,
        Step {
            application_id: loaded.row.id,
            seen_version,
            action: Action::Withdraw,
            actor: &user.actor(ctx),
            decision: Decision::default(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// After a rejection or withdrawal: a fresh draft (the old application stays as history).
pub async fn start_new(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
) -> Result<(), AppError> {
    let org = user.organisation()?;
    let mut tx = state.db.begin().await?;
    match db::applications::create(&mut tx, org, user.id).await? {
        Some(id) => {
            audit::append(
                &mut tx,
                &user.actor(ctx),
                Event {
                    action: "application.created",
                    object_type: "application",
                    object_id: id.to_string(),
                    details: json!({"organisation_id": org}),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
        None => Err(AppError::Conflict(
            td_string!(t(ctx.lang), portal.already_active).to_string(),
        )),
    }
}
