//! The merchant portal: `/portal` (status, ledger, timeline), `/portal/application/<section>`
//! (the form, section by section) and `/portal/documents` (uploads).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::portal::{
    portal_documents, portal_overview, portal_section, DeleteDocument, DocSlot,
    StartNewApplication, SubmitApplication, WithdrawApplication,
};
use crate::components::form::{action_errors, ErrorPanel, FormAlert, Notice};
use crate::components::labels::{doc_label, section_label, state_label};
use crate::components::layout::full_navigation;
use crate::components::section_form::SectionForm;
use crate::components::time::When;
use crate::components::uploader::Uploader;
use crate::domain::application::Section;
use crate::domain::states::AppState;
use crate::i18n::*;

fn state_badge(l: Locale, s: AppState) -> impl IntoView {
    let class = match s {
        AppState::Approved => "badge badge-ok",
        AppState::Rejected | AppState::Withdrawn => "badge badge-err",
        AppState::InfoRequested => "badge badge-warn",
        _ => "badge",
    };
    view! { <span class=class data-state=s.as_str()>{state_label(l, s)}</span> }
}

/// Section tabs with completeness.
#[component]
fn SectionNav(current: Option<Section>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <nav class="section-nav" aria-label=td_string!(l, portal.sections_title)>
            <ol>
                {Section::ALL.into_iter().map(|s| view! {
                    <li class:current=current == Some(s)>
                        <A href=format!("/portal/application/{}", s.slug())>{section_label(l, s)}</A>
                    </li>
                }).collect_view()}
                <li><A href="/portal/documents">{td_string!(l, portal.documents_title)}</A></li>
            </ol>
        </nav>
    }
}

#[component]
pub fn PortalPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let q = use_query_map();
    let submit = ServerAction::<SubmitApplication>::new();
    let withdraw = ServerAction::<WithdrawApplication>::new();
    let start_new = ServerAction::<StartNewApplication>::new();
    let (_, submit_err) = action_errors(submit);
    let (_, withdraw_err) = action_errors(withdraw);
    let (_, new_err) = action_errors(start_new);
    for a in [submit.value(), withdraw.value(), start_new.value()] {
        Effect::new(move |_| {
            if let Some(Ok(nav)) = a.get() {
                full_navigation(&nav.to);
            }
        });
    }
    let overview = Resource::new(|| (), |_| portal_overview());
    view! {
        <Title text=move || td_string!(l, portal.title)/>
        <h1>{td_string!(l, portal.title)}</h1>
        <Show when=move || q.read().get("submitted").is_some()><Notice>{td_string!(l, portal.submitted_ok)}</Notice></Show>
        <Show when=move || q.read().get("withdrawn").is_some()><Notice>{td_string!(l, portal.withdrawn_ok)}</Notice></Show>
        <FormAlert error=submit_err/>
        <FormAlert error=withdraw_err/>
        <FormAlert error=new_err/>
        <Suspense fallback=move || view! { <p>{td_string!(l, common.loading)}</p> }>
            {move || overview.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(p) => {
                    let due = p.ledger.len();
                    let state = p.state;
                    let version = p.version;
                    view! {
                        <section class="card status-card">
                            <h2>{td_string!(l, portal.status)}" "{state_badge(l, state)}</h2>
                            {p.submitted_at.map(|at| view! { <p class="muted"><When at=at/></p> })}
                            <div class="actions">
                                {state.merchant_editable().then(|| view! {
                                    <ActionForm action=submit attr:class="inline-form">
                                        <input type="hidden" name="version" value=version.to_string()/>
                                        <button type="submit" class="btn btn-primary" disabled={due > 0}>
                                            {if state == AppState::InfoRequested { td_string!(l, portal.resubmit) } else { td_string!(l, portal.submit) }}
                                        </button>
                                    </ActionForm>
                                })}
                                {matches!(state, AppState::Draft | AppState::Submitted | AppState::InfoRequested).then(|| view! {
                                    <ActionForm action=withdraw attr:class="inline-form">
                                        <input type="hidden" name="version" value=version.to_string()/>
                                        <button type="submit" class="btn btn-danger">{td_string!(l, portal.withdraw)}</button>
                                    </ActionForm>
                                })}
                                {state.is_closed().then(|| view! {
                                    <ActionForm action=start_new attr:class="inline-form">
                                        <button type="submit" class="btn btn-primary">{td_string!(l, portal.start_new)}</button>
                                    </ActionForm>
                                })}
                            </div>
                        </section>
                        {state.merchant_editable().then(|| view! {
                            <section class="card ledger" id="ledger">
                                <h2>{td_string!(l, portal.ledger_title)}" "<span class="badge" data-testid="ledger-count">{due}</span></h2>
                                {if due == 0 {
                                    view! { <p class="ok" data-testid="ledger-empty">{td_string!(l, portal.ledger_empty)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="ledger-list">
                                            {p.ledger.into_iter().map(|item| view! {
                                                <li class:requested=item.requested><a href=item.href>{item.text}</a></li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        })}
                        <section class="card">
                            <h2>{td_string!(l, portal.sections_title)}</h2>
                            <ul class="section-list">
                                {p.sections.into_iter().map(|s| {
                                    let pct = (s.filled * 100).checked_div(s.needed).unwrap_or(100);
                                    view! {
                                        <li>
                                            <A href=format!("/portal/application/{}", s.section.slug())>{section_label(l, s.section)}</A>
                                            <meter min="0" max="100" value=pct.to_string()></meter>
                                            <span class="muted small">{td_string!(l, portal.complete, filled = s.filled, needed = s.needed)}</span>
                                        </li>
                                    }
                                }).collect_view()}
                                <li><A href="/portal/documents">{td_string!(l, portal.documents_title)}</A></li>
                            </ul>
                        </section>
                        <section class="card">
                            <h2>{td_string!(l, portal.timeline)}</h2>
                            <ol class="timeline">
                                {p.timeline.into_iter().rev().map(|e| view! {
                                    <li>
                                        <When at=e.at/>" "{state_badge(l, e.state)}
                                        {e.message.map(|m| view! { <p>{m}</p> })}
                                    </li>
                                }).collect_view()}
                            </ol>
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ApplicationIndexPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=move || td_string!(l, portal.sections_title)/>
        <h1>{td_string!(l, portal.sections_title)}</h1>
        <SectionNav current=None/>
        <p><A href=format!("/portal/application/{}", Section::Entity.slug()) attr:class="btn btn-primary">{section_label(l, Section::Entity)}</A></p>
    }
}

#[component]
pub fn SectionPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let params = use_params_map();
    let q = use_query_map();
    let slug = Memo::new(move |_| params.read().get("section").unwrap_or_default());
    let data = Resource::new(move || slug.get(), portal_section);
    view! {
        <Suspense fallback=move || view! { <p>{td_string!(l, common.loading)}</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(v) => {
                    let section = v.section;
                    let idx = Section::ALL.iter().position(|s| *s == section).unwrap_or(0);
                    let prev = idx.checked_sub(1).map(|i| Section::ALL[i]);
                    let next = Section::ALL.get(idx + 1).copied();
                    let read_only = v.editable.as_ref().is_some_and(|k| k.is_empty());
                    let info = v.state == AppState::InfoRequested;
                    view! {
                        <Title text=section_label(l, section)/>
                        <SectionNav current=Some(section)/>
                        <h1>{section_label(l, section)}" "<span class="muted small">{td_string!(l, portal.complete, filled = v.filled, needed = v.needed)}</span></h1>
                        <Show when=move || q.read().get("saved").is_some()><Notice>{td_string!(l, portal.saved)}</Notice></Show>
                        {read_only.then(|| view! { <div class="alert alert-warn">{td_string!(l, portal.read_only)}</div> })}
                        {info.then(|| view! { <div class="alert alert-warn">{td_string!(l, portal.info_requested_note)}</div> })}
                        <section class="card">
                            <SectionForm view=v/>
                        </section>
                        <p class="pager">
                            {prev.map(|p| view! { <A href=format!("/portal/application/{}", p.slug())>"← "{section_label(l, p)}</A> })}
                            " "
                            {match next {
                                Some(n) => view! { <A href=format!("/portal/application/{}", n.slug())>{section_label(l, n)}" →"</A> }.into_any(),
                                None => view! { <A href="/portal/documents">{td_string!(l, portal.documents_title)}" →"</A> }.into_any(),
                            }}
                        </p>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn DocumentsPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let q = use_query_map();
    let delete = ServerAction::<DeleteDocument>::new();
    let (_, delete_err) = action_errors(delete);
    let (uploads, set_uploads) = signal(0u32);
    let data = Resource::new(
        move || (delete.version().get(), uploads.get()),
        |_| portal_documents(),
    );
    let on_done = Callback::new(move |_| set_uploads.update(|n| *n += 1));
    provide_context(crate::components::uploader::UploadStore::new());
    let refusal = Memo::new(move |_| q.read().get("error"));
    view! {
        <Title text=move || td_string!(l, portal.documents_title)/>
        <SectionNav current=None/>
        <h1>{td_string!(l, portal.documents_title)}</h1>
        <Show when=move || q.read().get("uploaded").is_some()><Notice>{td_string!(l, portal.uploaded)}</Notice></Show>
        <Show when=move || q.read().get("deleted").is_some()><Notice>{td_string!(l, portal.deleted)}</Notice></Show>
        <FormAlert error=delete_err/>
        <Transition fallback=move || view! { <p>{td_string!(l, common.loading)}</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(d) => {
                    let limit_mb = crate::domain::documents::format_mb(d.limit_bytes);
                    let refused = refusal.get().map(|code| refusal_text(l, &code, &limit_mb));
                    view! {
                        {refused.map(|m| view! { <div class="alert alert-error" role="alert">{m}</div> })}
                        <div class="doc-grid">
                            {d.slots.into_iter().map(|slot| view! { <DocCard data=slot limit_mb=limit_mb.clone() delete on_done/> }).collect_view()}
                        </div>
                    }.into_any()
                }
            })}
        </Transition>
        <p><A href="/portal">{td_string!(l, portal.back_to_portal)}</A></p>
    }
}

/// The message for a refused upload (the no-JavaScript redirect carries only its code).
fn refusal_text(l: Locale, code: &str, limit_mb: &str) -> String {
    match code {
        "empty" => td_string!(l, documents.empty).to_string(),
        "wrong_type" => td_string!(l, documents.wrong_type).to_string(),
        "too_large" => td_string!(l, documents.too_large, mb = limit_mb),
        "image_unreadable" => td_string!(l, documents.image_unreadable).to_string(),
        "unknown_owner" => td_string!(l, documents.unknown_owner).to_string(),
        "not_editable" => td_string!(l, portal.not_editable).to_string(),
        "unknown_kind" => td_string!(l, documents.unknown_kind).to_string(),
        _ => td_string!(l, documents.upload_failed).to_string(),
    }
}

#[component]
fn DocCard(
    data: DocSlot,
    limit_mb: String,
    delete: ServerAction<DeleteDocument>,
    on_done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let slot = data;
    let anchor = match &slot.subject {
        Some(s) => format!("doc-{}-{s}", slot.kind.slug()),
        None => format!("doc-{}", slot.kind.slug()),
    };
    let title = match &slot.subject_name {
        Some(n) => format!("{} · {n}", doc_label(l, slot.kind)),
        None => doc_label(l, slot.kind).to_string(),
    };
    let have = slot.files.len();
    let status = if slot.need == 0 {
        view! { <span class="badge">{td_string!(l, portal.not_required)}</span> }.into_any()
    } else if have >= slot.need {
        view! { <span class="badge badge-ok">{format!("{have}/{}", slot.need)}</span> }.into_any()
    } else {
        view! { <span class="badge badge-warn">{format!("{have}/{}", slot.need)}</span> }.into_any()
    };
    let editable = slot.editable;
    view! {
        <section class="card doc-card" id=anchor data-kind=slot.kind.slug()>
            <h2>{title}" "{status}</h2>
            <ul class="doc-files">
                {slot.files.into_iter().map(|f| {
                    let href = format!("/documents/{}", f.id);
                    let is_image = f.content_type.starts_with("image/");
                    view! {
                        <li>
                            {if is_image {
                                view! { <a href=href.clone() target="_blank" rel="noopener"><img class="thumb" src=href.clone() alt=f.filename.clone() loading="lazy"/></a> }.into_any()
                            } else {
                                view! { <a href=href.clone() target="_blank" rel="noopener" class="thumb pdf">"PDF"</a> }.into_any()
                            }}
                            <span class="file-meta">
                                <a href=format!("{href}?download=1")>{f.filename.clone()}</a>
                                <span class="muted small">{td_string!(l, portal.file_size, kb = (f.size + 1023) / 1024)}</span>
                            </span>
                            {editable.then(|| view! {
                                <ActionForm action=delete attr:class="inline-form">
                                    <input type="hidden" name="id" value=f.id.to_string()/>
                                    <button type="submit" class="btn btn-small btn-danger">{td_string!(l, portal.delete)}</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {editable.then(|| view! { <Uploader kind=slot.kind subject=slot.subject.clone() multiple=slot.kind.multiple() limit_mb=limit_mb.clone() on_done/> })}
        </section>
    }
}
