//! Compliance review: `/review` (the queue), `/review/<id>` (one application: data next to
//! documents, ledger, changes, checklist, risk, decisions, history) and `/review/templates`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::api::review::{
    checklist_templates, review_application, review_queue, AddNote, Approve, Claim, OverrideTier,
    Reassign, Reject, Release, RequestInfo, ReviewView, SecondApprove, SendBack, SetStep,
    TemplateAdd, TemplateChange,
};
use crate::components::form::{action_errors, ErrorPanel, Field, FormAlert, Submit};
use crate::components::labels::{option_label, reason_label, state_label, tier_label, REASONS};
use crate::components::time::When;
use crate::domain::industry::INDUSTRIES;
use crate::domain::states::AppState;
use crate::i18n::*;

fn tier_badge(l: Locale, tier: Option<&str>) -> impl IntoView {
    let t = tier.unwrap_or("").to_string();
    let class = match t.as_str() {
        "high" => "badge badge-err",
        "medium" => "badge badge-warn",
        _ => "badge badge-ok",
    };
    view! { <span class=class data-tier=t.clone()>{tier_label(l, &t)}</span> }
}

#[component]
pub fn QueuePage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let q = use_query_map();
    let param = move |k: &'static str| Memo::new(move |_| q.read().get(k));
    let (state, tier, industry, assignment, older, after) = (
        param("state"),
        param("tier"),
        param("industry"),
        param("assigned"),
        param("older"),
        param("after"),
    );
    let data = Resource::new(
        move || {
            (
                state.get(),
                tier.get(),
                industry.get(),
                assignment.get(),
                older.get(),
                after.get(),
            )
        },
        |(s, t, i, a, o, af)| review_queue(s, t, i, a, o.and_then(|o| o.parse().ok()), af),
    );
    let selected = move |m: Memo<Option<String>>, v: &str| m.get_untracked().as_deref() == Some(v);
    view! {
        <Title text=move || td_string!(l, review.queue_title)/>
        <h1>{td_string!(l, review.queue_title)}</h1>
        <form method="get" action="/review" class="filters">
            <label>{td_string!(l, common.status)}
                <select name="state">
                    <option value="">{td_string!(l, review.any)}</option>
                    {[AppState::Submitted, AppState::InReview, AppState::PendingSecondApproval].into_iter().map(|s| view! {
                        <option value=s.as_str() selected=selected(state, s.as_str())>{state_label(l, s)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>{td_string!(l, review.tier)}
                <select name="tier">
                    <option value="">{td_string!(l, review.any)}</option>
                    {["low", "medium", "high"].into_iter().map(|t| view! { <option value=t selected=selected(tier, t)>{tier_label(l, t)}</option> }).collect_view()}
                </select>
            </label>
            <label>{td_string!(l, fields.industry)}
                <select name="industry">
                    <option value="">{td_string!(l, review.any)}</option>
                    {INDUSTRIES.iter().map(|i| view! { <option value=i.code selected=selected(industry, i.code)>{option_label(l, i.code)}</option> }).collect_view()}
                </select>
            </label>
            <label>{td_string!(l, review.assigned)}
                <select name="assigned">
                    <option value="">{td_string!(l, review.anyone)}</option>
                    <option value="mine" selected=selected(assignment, "mine")>{td_string!(l, review.mine)}</option>
                    <option value="unassigned" selected=selected(assignment, "unassigned")>{td_string!(l, review.unassigned)}</option>
                </select>
            </label>
            <label>{td_string!(l, review.older_than)}
                <input type="number" name="older" min="0" max="365" value=move || older.get().unwrap_or_default()/>
            </label>
            <button type="submit" class="btn btn-small">{td_string!(l, review.filter)}</button>
        </form>
        <Suspense fallback=move || view! { <p>{td_string!(l, common.loading)}</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(v) => {
                    let next = v.next.clone();
                    let base_query = move || {
                        let q = q.read();
                        ["state", "tier", "industry", "assigned", "older"].iter().filter_map(|k| q.get(k).map(|v| format!("{k}={v}"))).collect::<Vec<_>>().join("&")
                    };
                    view! {
                        <p class="counts">
                            {v.counts.iter().map(|(s, n)| view! { <span class="badge" data-state=s.as_str()>{state_label(l, *s)}": "{*n}</span>" " }).collect_view()}
                        </p>
                        <div class="table-wrap">
                            <table class="data queue" data-testid="queue">
                                <thead><tr>
                                    <th>{td_string!(l, fields.legal_name)}</th>
                                    <th>{td_string!(l, common.status)}</th>
                                    <th>{td_string!(l, review.tier)}</th>
                                    <th>{td_string!(l, fields.industry)}</th>
                                    <th>{td_string!(l, review.waiting)}</th>
                                    <th>{td_string!(l, review.assigned)}</th>
                                </tr></thead>
                                <tbody>
                                    {v.items.into_iter().map(|i| view! {
                                        <tr class:overdue=i.overdue>
                                            <td><A href=format!("/review/{}", i.id)>{if i.legal_name.is_empty() { "—".to_string() } else { i.legal_name.clone() }}</A></td>
                                            <td><span class="badge">{state_label(l, i.state)}</span></td>
                                            <td>{tier_badge(l, i.tier.as_deref())}" "<span class="muted small">{i.risk_score}</span></td>
                                            <td>{i.industry.as_deref().map(|c| option_label(l, c)).unwrap_or("")}</td>
                                            <td class="age" class:late=i.overdue>{td_string!(l, review.business_days, n = i.business_days)}{i.submitted_at.map(|t| view! { <br/><span class="muted small"><When at=t/></span> })}</td>
                                            <td>{i.assignee.clone().unwrap_or_default()}{i.mine.then(|| view! { " " <span class="badge">{td_string!(l, review.mine)}</span> })}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {next.map(|n| view! { <p><a href=format!("/review?{}&after={n}", base_query()) class="btn">{td_string!(l, review.next_page)}</a></p> })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let claim = ServerAction::<Claim>::new();
    let release = ServerAction::<Release>::new();
    let reassign = ServerAction::<Reassign>::new();
    let step = ServerAction::<SetStep>::new();
    let override_tier = ServerAction::<OverrideTier>::new();
    let note = ServerAction::<AddNote>::new();
    let request_info = ServerAction::<RequestInfo>::new();
    let reject = ServerAction::<Reject>::new();
    let approve = ServerAction::<Approve>::new();
    let second = ServerAction::<SecondApprove>::new();
    let send_back = ServerAction::<SendBack>::new();
    let versions = move || {
        (
            claim.version().get()
                + release.version().get()
                + reassign.version().get()
                + step.version().get()
                + override_tier.version().get()
                + note.version().get(),
            request_info.version().get()
                + reject.version().get()
                + approve.version().get()
                + second.version().get()
                + send_back.version().get(),
        )
    };
    let data = Resource::new(
        move || (id.get(), versions()),
        |(id, _)| async move {
            match id {
                Some(id) => review_application(id).await,
                None => Err(crate::error::AppError::NotFound(String::new())),
            }
        },
    );
    let errors: Vec<Signal<Option<crate::error::AppError>>> = vec![
        action_errors(claim).1,
        action_errors(release).1,
        action_errors(reassign).1,
        action_errors(step).1,
        action_errors(override_tier).1,
        action_errors(note).1,
        action_errors(request_info).1,
        action_errors(reject).1,
        action_errors(approve).1,
        action_errors(second).1,
        action_errors(send_back).1,
    ];
    let ri_fields = action_errors(request_info).0;
    let rj_fields = action_errors(reject).0;
    let ov_fields = action_errors(override_tier).0;
    let sb_fields = action_errors(send_back).0;
    view! {
        {errors.into_iter().map(|e| view! { <FormAlert error=e/> }).collect_view()}
        <Suspense fallback=move || view! { <p>{td_string!(l, common.loading)}</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(v) => view! {
                    <ReviewBody v=v claim release reassign step override_tier note request_info reject approve second send_back
                        ri_fields rj_fields ov_fields sb_fields/>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[allow(clippy::too_many_arguments)]
#[component]
fn ReviewBody(
    v: ReviewView,
    claim: ServerAction<Claim>,
    release: ServerAction<Release>,
    reassign: ServerAction<Reassign>,
    step: ServerAction<SetStep>,
    override_tier: ServerAction<OverrideTier>,
    note: ServerAction<AddNote>,
    request_info: ServerAction<RequestInfo>,
    reject: ServerAction<Reject>,
    approve: ServerAction<Approve>,
    second: ServerAction<SecondApprove>,
    send_back: ServerAction<SendBack>,
    ri_fields: Signal<Option<crate::error::FieldErrors>>,
    rj_fields: Signal<Option<crate::error::FieldErrors>>,
    ov_fields: Signal<Option<crate::error::FieldErrors>>,
    sb_fields: Signal<Option<crate::error::FieldErrors>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let id = v.id.to_string();
    let version = v.version.to_string();
    let working = v.mine && v.state == AppState::InReview;
    let hidden = {
        let (id, version) = (id.clone(), version.clone());
        move || view! { <input type="hidden" name="id" value=id.clone()/><input type="hidden" name="version" value=version.clone()/> }
    };
    let docs_for_evidence: Vec<(Uuid, String)> = v
        .sections
        .iter()
        .flat_map(|s| {
            s.documents
                .iter()
                .map(|d| (d.id, format!("{} · {}", d.label, d.filename)))
        })
        .collect();
    view! {
        <Title text=v.legal_name.clone()/>
        <p><A href="/review">"← "{td_string!(l, review.queue_title)}</A></p>
        <h1>{v.legal_name.clone()}" "<span class="badge" data-state=v.state.as_str()>{state_label(l, v.state)}</span></h1>
        <section class="card review-head">
            <p>
                {td_string!(l, review.assigned)}": "<strong data-testid="assignee">{v.assignee.clone().unwrap_or_else(|| td_string!(l, review.nobody).to_string())}</strong>
                {v.proposer.clone().map(|p| view! { " · "{td_string!(l, review.proposed_by)}": "<strong>{p}</strong> })}
            </p>
            <div class="actions">
                {(v.state == AppState::Submitted).then(|| { let h = hidden.clone(); view! {
                    <ActionForm action=claim attr:class="inline-form">{h()}<button type="submit" class="btn btn-primary">{td_string!(l, review.claim)}</button></ActionForm>
                }})}
                {working.then(|| { let h = hidden.clone(); view! {
                    <ActionForm action=release attr:class="inline-form">{h()}<button type="submit" class="btn">{td_string!(l, review.release)}</button></ActionForm>
                }})}
                {(v.can_reassign && matches!(v.state, AppState::Submitted | AppState::InReview | AppState::PendingSecondApproval)).then(|| { let id = id.clone(); view! {
                    <ActionForm action=reassign attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <select name="reviewer" aria-label=td_string!(l, review.reassign)>
                            <option value="">{td_string!(l, review.nobody)}</option>
                            {v.reviewers.iter().map(|(rid, name)| view! { <option value=rid.to_string()>{name.clone()}</option> }).collect_view()}
                        </select>
                        <button type="submit" class="btn btn-small">{td_string!(l, review.reassign)}</button>
                    </ActionForm>
                }})}
            </div>
        </section>

        <div class="review-grid">
            <div>
                <section class="card">
                    <h2>{td_string!(l, review.risk)}</h2>
                    <p>{td_string!(l, review.score)}": "<strong data-testid="risk-score">{v.risk_score}</strong>" "{tier_badge(l, v.risk_tier.as_deref())}
                        {v.tier_override.clone().map(|t| view! { " → "{tier_badge(l, Some(&t))}" "<span class="muted">{v.override_reason.clone()}</span> })}</p>
                    <ul class="factors">
                        {v.factors.iter().map(|f| view! { <li>"+"{f.points}" "{f.reason.clone()}</li> }).collect_view()}
                    </ul>
                    {working.then(|| { let id = id.clone(); view! {
                        <ActionForm action=override_tier attr:class="stack-form">
                            <input type="hidden" name="id" value=id/>
                            <label>{td_string!(l, review.override_tier)}
                                <select name="tier">{["low", "medium", "high"].into_iter().map(|t| view! { <option value=t>{tier_label(l, t)}</option> }).collect_view()}</select>
                            </label>
                            <Field label=td_string!(l, review.override_reason) name="reason" errors=ov_fields/>
                            <button type="submit" class="btn btn-small">{td_string!(l, review.override_tier)}</button>
                        </ActionForm>
                    }})}
                </section>

                {(!v.ledger.is_empty()).then(|| view! {
                    <section class="card">
                        <h2>{td_string!(l, portal.ledger_title)}</h2>
                        <ul class="ledger-list">{v.ledger.iter().map(|i| view! { <li>{i.text.clone()}</li> }).collect_view()}</ul>
                    </section>
                })}

                {(!v.changes.is_empty()).then(|| view! {
                    <section class="card">
                        <h2>{td_string!(l, review.changes)}</h2>
                        <table class="data" data-testid="changes"><thead><tr><th></th><th>{td_string!(l, review.before)}</th><th>{td_string!(l, review.after)}</th></tr></thead>
                        <tbody>{v.changes.iter().map(|c| view! { <tr><td>{c.label.clone()}</td><td><del>{c.before.clone()}</del></td><td><ins>{c.after.clone()}</ins></td></tr> }).collect_view()}</tbody></table>
                    </section>
                })}

                {v.sections.iter().map(|s| view! {
                    <section class="card review-section">
                        <h2>{s.title.clone()}</h2>
                        <dl class="kv">{s.fields.iter().map(|f| view! { <dt>{f.label.clone()}</dt><dd>{f.value.clone()}</dd> }).collect_view()}</dl>
                        <div class="previews">
                            {s.documents.iter().map(|d| {
                                let href = format!("/documents/{}", d.id);
                                let image = d.content_type.starts_with("image/");
                                view! {
                                    <figure>
                                        {if image {
                                            view! { <a href=href.clone() target="_blank" rel="noopener"><img src=href.clone() alt=d.filename.clone() loading="lazy"/></a> }.into_any()
                                        } else {
                                            view! { <iframe src=href.clone() title=d.filename.clone()></iframe> }.into_any()
                                        }}
                                        <figcaption>{d.label.clone()}" · "<a href=format!("{href}?download=1")>{d.filename.clone()}</a></figcaption>
                                    </figure>
                                }
                            }).collect_view()}
                        </div>
                    </section>
                }).collect_view()}
            </div>

            <div>
                <section class="card checklist">
                    <h2>{td_string!(l, review.checklist)}</h2>
                    {v.checklist.is_empty().then(|| view! { <p class="muted">{td_string!(l, review.checklist_after_claim)}</p> })}
                    {v.checklist.clone().into_iter().map(|c| {
                        let id = id.clone();
                        let docs = docs_for_evidence.clone();
                        let (status, suggested, evidence, note_text, code) = (c.status.clone(), c.suggested.clone(), c.evidence.clone(), c.note.clone(), c.code.clone());
                        view! {
                            <div class="step" data-step=c.code.clone() data-status=c.status.clone()>
                                <h3>{c.title.clone()}{c.required.then(|| view! { " "<span class="badge">{td_string!(l, review.required)}</span> })}</h3>
                                {c.suggested.clone().map(|s| view! { <p class="suggestion">{td_string!(l, review.auto)}": "<strong>{step_label(l, &s)}</strong>" "{c.suggestion_note.clone()}</p> })}
                                <p class="muted small">{step_label(l, &c.status)}{c.decided_by.clone().map(|d| view! { " · "{d} })}{c.decided_at.map(|t| view! { " · "<When at=t/> })}</p>
                                {(!c.note.is_empty()).then(|| view! { <p>{c.note.clone()}</p> })}
                                {working.then(move || view! {
                                    <ActionForm action=step attr:class="stack-form">
                                        <input type="hidden" name="id" value=id.clone()/>
                                        <input type="hidden" name="code" value=code.clone()/>
                                        <div class="choices">
                                            {["pass", "fail", "na"].into_iter().map(|st| view! {
                                                <label class="check"><input type="radio" name="status" value=st checked=status == st || (status == "pending" && suggested.as_deref() == Some(st))/>" "{step_label(l, st)}</label>
                                            }).collect_view()}
                                        </div>
                                        <textarea name="note" rows="2" aria-label=td_string!(l, review.note)>{note_text.clone()}</textarea>
                                        {(!docs.is_empty()).then(|| view! {
                                            <details><summary>{td_string!(l, review.evidence)}</summary>
                                                {docs.iter().map(|(did, label)| view! {
                                                    <label class="check"><input type="checkbox" name="evidence[]" value=did.to_string() checked=evidence.contains(did)/>" "{label.clone()}</label>
                                                }).collect_view()}
                                            </details>
                                        })}
                                        <button type="submit" class="btn btn-small">{td_string!(l, common.save)}</button>
                                    </ActionForm>
                                })}
                            </div>
                        }
                    }).collect_view()}
                </section>

                {working.then(|| { let h = hidden.clone(); let h2 = hidden.clone(); let h3 = hidden.clone(); let targets = v.request_targets.clone(); view! {
                    <section class="card decisions">
                        <h2>{td_string!(l, review.decide)}</h2>
                        <ActionForm action=approve>{h()}<button type="submit" class="btn btn-primary">{td_string!(l, review.approve)}</button></ActionForm>
                        <details>
                            <summary>{td_string!(l, review.request_info)}</summary>
                            <ActionForm action=request_info attr:class="stack-form">
                                {h2()}
                                <fieldset class="targets"><legend>{td_string!(l, review.items)}</legend>
                                    {targets.iter().map(|t| view! { <label class="check"><input type="checkbox" name="items[]" value=t.value.clone()/>" "{t.label.clone()}</label> }).collect_view()}
                                </fieldset>
                                <p class="error">{move || ri_fields.get().and_then(|f| f.get("items").map(str::to_string))}</p>
                                <ReasonSelect/>
                                <label>{td_string!(l, review.merchant_message)}<textarea name="message" rows="3"></textarea></label>
                                <p class="error">{move || ri_fields.get().and_then(|f| f.get("message").map(str::to_string))}</p>
                                <button type="submit" class="btn">{td_string!(l, review.request_info)}</button>
                            </ActionForm>
                        </details>
                        <details>
                            <summary>{td_string!(l, review.reject)}</summary>
                            <ActionForm action=reject attr:class="stack-form">
                                {h3()}
                                <ReasonSelect/>
                                <label>{td_string!(l, review.merchant_message)}<textarea name="message" rows="3"></textarea></label>
                                <p class="error">{move || rj_fields.get().and_then(|f| f.get("message").map(str::to_string))}</p>
                                <label>{td_string!(l, review.internal_note)}<textarea name="note" rows="2"></textarea></label>
                                <button type="submit" class="btn btn-danger">{td_string!(l, review.reject)}</button>
                            </ActionForm>
                        </details>
                    </section>
                }})}

                {(v.state == AppState::PendingSecondApproval).then(|| { let h = hidden.clone(); let h2 = hidden.clone(); view! {
                    <section class="card decisions">
                        <h2>{td_string!(l, review.second_approval)}</h2>
                        {if v.can_second_approve {
                            view! {
                                <ActionForm action=second>{h()}<button type="submit" class="btn btn-primary">{td_string!(l, review.second_approve)}</button></ActionForm>
                                <ActionForm action=send_back attr:class="stack-form">
                                    {h2()}
                                    <Field label=td_string!(l, review.send_back_note) name="note" errors=sb_fields/>
                                    <button type="submit" class="btn">{td_string!(l, review.send_back)}</button>
                                </ActionForm>
                            }.into_any()
                        } else if v.i_proposed {
                            view! { <p class="muted">{td_string!(l, review.four_eyes)}</p> }.into_any()
                        } else {
                            view! { <p class="muted">{td_string!(l, review.lead_only)}</p> }.into_any()
                        }}
                    </section>
                }})}

                <section class="card">
                    <h2>{td_string!(l, review.notes)}</h2>
                    <ul class="timeline">{v.notes.iter().map(|n| view! { <li><When at=n.at/>" · "<strong>{n.actor.clone()}</strong><p>{n.detail.clone()}</p></li> }).collect_view()}</ul>
                    <ActionForm action=note attr:class="stack-form">
                        <input type="hidden" name="id" value=id.clone()/>
                        <textarea name="body" rows="2" aria-label=td_string!(l, review.add_note)></textarea>
                        <Submit label=td_string!(l, review.add_note) pending=note.pending() class="btn btn-small"/>
                    </ActionForm>
                </section>

                <section class="card">
                    <h2>{td_string!(l, portal.timeline)}</h2>
                    <ol class="timeline">{v.timeline.iter().rev().map(|t| view! { <li><When at=t.at/>" · "<strong>{t.what.clone()}</strong>" · "{t.actor.clone()}{t.detail.clone().map(|d| view! { <p>{d}</p> })}</li> }).collect_view()}</ol>
                </section>
            </div>
        </div>
    }
}

fn step_label(l: Locale, status: &str) -> &'static str {
    match status {
        "pass" => td_string!(l, review.step_pass),
        "fail" => td_string!(l, review.step_fail),
        "na" => td_string!(l, review.step_na),
        _ => td_string!(l, review.step_pending),
    }
}

#[component]
fn ReasonSelect() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <label>{td_string!(l, review.reason)}
            <select name="reason">{REASONS.iter().map(|r| view! { <option value=*r>{reason_label(l, r)}</option> }).collect_view()}</select>
        </label>
    }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let add = ServerAction::<TemplateAdd>::new();
    let change = ServerAction::<TemplateChange>::new();
    let (add_fields, add_err) = action_errors(add);
    let (_, change_err) = action_errors(change);
    let data = Resource::new(
        move || (add.version().get(), change.version().get()),
        |_| checklist_templates(),
    );
    let en = matches!(l, Locale::en);
    view! {
        <Title text=move || td_string!(l, review.templates_title)/>
        <h1>{td_string!(l, review.templates_title)}</h1>
        <p class="muted">{td_string!(l, review.templates_note)}</p>
        <FormAlert error=change_err/>
        <Suspense fallback=move || view! { <p>{td_string!(l, common.loading)}</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(map) => view! {
                    <div class="grid-3">
                        {["low", "medium", "high"].into_iter().map(|tier| {
                            let steps = map.get(tier).cloned().unwrap_or_default();
                            view! {
                                <section class="card" data-tier=tier>
                                    <h2>{tier_label(l, tier)}</h2>
                                    <ol class="template-steps">
                                        {steps.into_iter().map(|s| {
                                            let sid = s.id.to_string();
                                            let button = move |change_kind: &'static str, label: &'static str| {
                                                let sid = sid.clone();
                                                view! { <ActionForm action=change attr:class="inline-form"><input type="hidden" name="id" value=sid/><input type="hidden" name="change" value=change_kind/><button type="submit" class="btn btn-small">{label}</button></ActionForm> }
                                            };
                                            view! {
                                                <li data-code=s.code.clone()>
                                                    <span>{if en { s.title_en.clone() } else { s.title_zh.clone() }}</span>
                                                    " "{if s.required { view! { <span class="badge">{td_string!(l, review.required)}</span> }.into_any() } else { view! { <span class="badge badge-warn">{td_string!(l, review.optional)}</span> }.into_any() }}
                                                    {s.automatic.then(|| view! { " "<span class="badge badge-ok">{td_string!(l, review.auto)}</span> })}
                                                    <div class="step-actions">
                                                        {button("up", "↑")}{button("down", "↓")}
                                                        {if s.required { button("optional", td_string!(l, review.make_optional)) } else { button("required", td_string!(l, review.make_required)) }}
                                                        {button("remove", td_string!(l, portal.delete))}
                                                    </div>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ol>
                                </section>
                            }
                        }).collect_view()}
                    </div>
                }.into_any(),
            })}
        </Suspense>
        <section class="card">
            <h2>{td_string!(l, review.add_step)}</h2>
            <FormAlert error=add_err/>
            <ActionForm action=add attr:class="stack-form">
                <label>{td_string!(l, review.tier)}<select name="tier">{["low", "medium", "high"].into_iter().map(|t| view! { <option value=t>{tier_label(l, t)}</option> }).collect_view()}</select></label>
                <Field label=td_string!(l, review.step_code) name="code" errors=add_fields/>
                <Field label=td_string!(l, review.title_zh) name="title_zh" errors=add_fields/>
                <Field label=td_string!(l, review.title_en) name="title_en" errors=add_fields/>
                <label class="check"><input type="checkbox" name="required" value="yes" checked=true/>" "{td_string!(l, review.required)}</label>
                <Submit label=td_string!(l, review.add_step) pending=add.pending()/>
            </ActionForm>
        </section>
    }
}
