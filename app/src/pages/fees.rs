//! Fees for account managers: `/fees` (schedules), `/fees/new` and `/fees/<id>` (the editor
//! with a live fee preview; `?version=N` shows an old version), `/fees/merchants` (approved
//! merchants and floor approvals), `/fees/merchants/<org>` (assignment and contracts),
//! `/fees/contracts/<id>` (the printable contract); and `/portal/contract` for the merchant.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::api::fees::{
    fee_ceiling, fee_merchant, fee_merchants, fee_schedule, fee_schedules, my_contract,
    staff_contract, AcceptContract, AssignFees, AssignmentView, ContractAction, ContractView,
    DecideFloor, SaveFeeSchedule,
};
use crate::components::contract_doc::{fee_tables, Document};
use crate::components::form::{action_errors, ErrorPanel, FormAlert, Notice, Submit};
use crate::components::labels::{
    assignment_status_label, contract_state_label, cycle_label, method_label,
};
use crate::components::layout::full_navigation;
use crate::components::time::When;
use crate::domain::fees::{
    self, AssignmentStatus, ContractState, Method, ScheduleForm, SettlementCycle,
};
use crate::domain::money::{MoneyFen, RatePpm};
use crate::error::FieldErrors;
use crate::i18n::*;

fn percent(ppm: i64) -> String {
    format!("{}%", RatePpm(ppm).percent_string())
}

fn loading(l: Locale) -> impl IntoView {
    view! { <p>{td_string!(l, common.loading)}</p> }
}

#[component]
pub fn FeesPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let data = Resource::new(|| (), |_| fee_schedules());
    view! {
        <Title text=move || td_string!(l, fees.title)/>
        <div class="review-head">
            <h1>{td_string!(l, fees.title)}</h1>
            <a class="btn btn-primary" href="/fees/new">{td_string!(l, fees.new_schedule)}</a>
        </div>
        <p class="muted">{td_string!(l, fees.intro)}</p>
        <Suspense fallback=move || loading(l)>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="muted">{td_string!(l, fees.none_yet)}</p> }.into_any(),
                Ok(list) => view! {
                    <div class="table-wrap"><table>
                        <thead><tr>
                            <th>{td_string!(l, fees.name)}</th><th>{td_string!(l, fees.version)}</th>
                            <th>{td_string!(l, fees.merchants_using)}</th><th>{td_string!(l, fees.updated)}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|s| view! {
                                <tr>
                                    <td><A href=format!("/fees/{}", s.id)>{s.name}</A></td>
                                    <td>"v"{s.version}{s.in_use.then(|| view! { " "<span class="badge">{td_string!(l, fees.in_use)}</span> })}</td>
                                    <td>{s.merchants}</td>
                                    <td><When at=s.updated_at/></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// What a new schedule starts from.
fn blank_fields() -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    f.insert("refund_policy".into(), "pro_rata".into());
    f.insert("settlement_cycle".into(), "t1".into());
    f.insert("valid_from".into(), crate::components::time::today_string());
    f
}

/// One input of the editor: posted as `fields[<key>]`, its error shown under it.
#[component]
fn Cell(
    key: String,
    label: String,
    value: Option<String>,
    errors: Signal<Option<FieldErrors>>,
    #[prop(optional)] read_only: bool,
    #[prop(default = "decimal")] inputmode: &'static str,
) -> impl IntoView {
    let id = format!("f-{}", key.replace('.', "-"));
    let err_id = format!("{id}-err");
    let k = key.clone();
    let error = Signal::derive(move || errors.get().and_then(|e| e.get(&k).map(str::to_string)));
    let k2 = key.clone();
    // The attribute only (see `Field`): hydration must not wipe what was typed before it.
    let current = move || {
        errors
            .get()
            .and_then(|e| e.value(&k2).map(str::to_string))
            .or_else(|| value.clone())
            .unwrap_or_default()
    };
    view! {
        <span class="cell" class:has-error=move || error.get().is_some()>
            <input id=id.clone() name=format!("fields[{key}]") aria-label=label inputmode=inputmode
                readonly=read_only value=current
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=err_id.clone()/>
            <span class="error" id=err_id role="alert">{error}</span>
        </span>
    }
}

#[component]
pub fn ScheduleEditorPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let params = use_params_map();
    let q = use_query_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let version = Memo::new(move |_| q.read().get("version").and_then(|v| v.parse::<i32>().ok()));
    let saved = Memo::new(move |_| q.read().get("saved").is_some());
    let save = ServerAction::<SaveFeeSchedule>::new();
    Effect::new(move |_| {
        if let Some(Ok(new_id)) = save.value().get() {
            if id.get_untracked().is_none() {
                full_navigation(&format!("/fees/{new_id}?saved=1"));
            }
        }
    });
    let detail = Resource::new(
        move || (id.get(), version.get(), save.version().get()),
        |(id, v, _)| async move {
            match id {
                Some(id) => fee_schedule(id, v).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let ceiling = Resource::new(|| (), |_| fee_ceiling());
    view! {
        <Title text=move || td_string!(l, fees.editor_title)/>
        <p><A href="/fees">{td_string!(l, fees.back_to_list)}</A></p>
        <Suspense fallback=move || loading(l)>
            {move || match (detail.get(), ceiling.get()) {
                (Some(Err(e)), _) | (_, Some(Err(e))) => Some(view! { <ErrorPanel error=e/> }.into_any()),
                (Some(Ok(d)), Some(Ok(ceiling))) => Some(match d {
                    None => view! { <Editor id=None latest=None fields=blank_fields() ceiling=ceiling save=save saved=saved/> }.into_any(),
                    Some(d) if d.version < d.latest => view! {
                        <h1>{d.schedule.name.clone()}" v"{d.version}</h1>
                        <div class="alert alert-warn">{td_string!(l, fees.old_version, latest = d.latest)}" "<A href=format!("/fees/{}", d.id)>{td_string!(l, fees.open_latest)}</A></div>
                        <section class="card contract"><Document blocks=fee_tables(&d.schedule, &[])/></section>
                        <Versions id=d.id versions=d.versions.clone() shown=d.version/>
                    }.into_any(),
                    Some(d) => view! {
                        <Editor id=Some(d.id) latest=Some((d.latest, d.in_use)) fields=d.fields.clone() ceiling=d.ceiling_ppm save=save saved=saved/>
                        <Versions id=d.id versions=d.versions.clone() shown=d.version/>
                    }.into_any(),
                }),
                _ => None,
            }}
        </Suspense>
    }
}

#[component]
fn Versions(
    id: Uuid,
    versions: Vec<crate::api::fees::VersionSummary>,
    shown: i32,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <section class="card">
            <h2>{td_string!(l, fees.versions)}</h2>
            <ul class="timeline">
                {versions.into_iter().map(|v| view! {
                    <li>
                        {if v.version == shown {
                            view! { <strong>"v"{v.version}</strong> }.into_any()
                        } else {
                            view! { <A href=format!("/fees/{id}?version={}", v.version)>"v"{v.version}</A> }.into_any()
                        }}
                        " · "<When at=v.created_at/>" · "{v.author.unwrap_or_default()}
                        {v.in_use.then(|| view! { " "<span class="badge">{td_string!(l, fees.in_use)}</span> })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The schedule editor: every field, errors next to each, and a live fee preview computed by
/// the same domain function the server uses.
#[component]
fn Editor(
    id: Option<Uuid>,
    /// The latest version and whether it is in use (saving then makes a new version).
    latest: Option<(i32, bool)>,
    fields: BTreeMap<String, String>,
    ceiling: i64,
    save: ServerAction<SaveFeeSchedule>,
    saved: Memo<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let (errs, other) = action_errors(save);
    let current = RwSignal::new(fields.clone());
    let form_ref = NodeRef::<leptos::html::Form>::new();
    #[cfg(feature = "hydrate")]
    let on_input = move |_: leptos::ev::Event| {
        use leptos::form::FromFormData;
        if let Some(form) = form_ref.get_untracked() {
            if let Ok(fd) = web_sys::FormData::new_with_form(&form) {
                if let Ok(input) = SaveFeeSchedule::from_form_data(&fd) {
                    current.set(input.fields);
                }
            }
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_input = move |_: leptos::ev::Event| {
        let _ = (form_ref, current);
    };
    let stored = StoredValue::new(fields.clone());
    let v = move |k: &str| stored.with_value(|f| f.get(k).cloned());
    let cell = move |key: String, label: String| {
        let value = v(&key);
        view! { <Cell key=key label=label value=value errors=errs/> }
    };
    let name = fields.get("name").cloned().unwrap_or_default();
    let title = if id.is_some() {
        name.clone()
    } else {
        td_string!(l, fees.new_schedule).to_string()
    };
    let selected = move |k: &str, val: &str| v(k).as_deref() == Some(val);
    let was_saved = move || saved.get() || matches!(save.value().get(), Some(Ok(_)));
    let lines_err = move || errs.get().and_then(|e| e.get("lines").map(str::to_string));
    view! {
        <h1>{title}{latest.map(|(v, _)| format!(" v{v}"))}</h1>
        <Show when=was_saved><Notice>{td_string!(l, fees.saved)}</Notice></Show>
        {latest.filter(|(_, in_use)| *in_use).map(|_| view! { <p class="alert alert-warn">{td_string!(l, fees.in_use_note)}</p> })}
        <FormAlert error=other/>
        <p class="muted">{td_string!(l, fees.units_note, ceiling = percent(ceiling))}</p>
        <div class="fee-editor">
        <ActionForm action=save node_ref=form_ref attr:class="stack-form fee-form" on:input=on_input>
            {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
            {latest.map(|(v, _)| view! { <input type="hidden" name="seen_version" value=v.to_string()/> })}
            <label class="field">{td_string!(l, fees.name)}{cell("name".into(), td_string!(l, fees.name).into())}</label>
            <h2>{td_string!(l, fees.lines)}</h2>
            <p class="muted small">{td_string!(l, fees.lines_note)}</p>
            <p class="error" role="alert">{lines_err}</p>
            <div class="table-wrap"><table class="fee-lines">
                <thead><tr>
                    <th>{td_string!(l, fees.method)}</th><th>{td_string!(l, fees.rate)}" %"</th><th>{td_string!(l, fees.fixed)}" ¥"</th>
                    <th>{td_string!(l, fees.min)}" ¥"</th><th>{td_string!(l, fees.max)}" ¥"</th><th>{td_string!(l, fees.floor)}" %"</th>
                </tr></thead>
                <tbody>
                    {Method::ALL.into_iter().map(|m| {
                        let ml = method_label(l, m);
                        let k = |f: &str| format!("lines.{}.{f}", m.as_str());
                        view! {
                            <tr data-method=m.as_str()>
                                <th scope="row">{ml}</th>
                                <td>{cell(k("rate"), format!("{ml} {}", td_string!(l, fees.rate)))}</td>
                                <td>{cell(k("fixed"), format!("{ml} {}", td_string!(l, fees.fixed)))}</td>
                                <td>{cell(k("min"), format!("{ml} {}", td_string!(l, fees.min)))}</td>
                                <td>{cell(k("max"), format!("{ml} {}", td_string!(l, fees.max)))}</td>
                                <td>{cell(k("floor"), format!("{ml} {}", td_string!(l, fees.floor)))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
            <h2>{td_string!(l, fees.tiers)}</h2>
            <p class="muted small">{td_string!(l, fees.tiers_note)}</p>
            <div class="table-wrap"><table class="fee-tiers">
                <thead><tr><th>{td_string!(l, fees.threshold)}" ¥"</th>
                    {Method::ALL.into_iter().map(|m| view! { <th>{method_label(l, m)}" %"</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {(0..ScheduleForm::TIER_ROWS).map(|i| view! {
                        <tr>
                            <td>{cell(format!("tiers.{i}.threshold"), format!("{} {}", td_string!(l, fees.threshold), i + 1))}</td>
                            {Method::ALL.into_iter().map(|m| view! {
                                <td>{cell(format!("tiers.{i}.{}", m.as_str()), format!("{} {} {}", td_string!(l, fees.threshold), i + 1, method_label(l, m)))}</td>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table></div>
            <h2>{td_string!(l, fees.terms)}</h2>
            <div class="grid-3">
                <label class="field">{td_string!(l, fees.refund_policy)}
                    <select name="fields[refund_policy]">
                        <option value="pro_rata" selected=selected("refund_policy", "pro_rata")>{td_string!(l, fees.r_pro_rata)}</option>
                        <option value="not_returned" selected=selected("refund_policy", "not_returned")>{td_string!(l, fees.r_not_returned)}</option>
                        <option value="refund_fee" selected=selected("refund_policy", "refund_fee")>{td_string!(l, fees.r_refund_fee_option)}</option>
                    </select>
                </label>
                <label class="field">{td_string!(l, fees.refund_fee)}" ¥"{cell("refund_fee".into(), td_string!(l, fees.refund_fee).into())}</label>
                <label class="field">{td_string!(l, fees.cross_border_surcharge)}" %"{cell("cross_border_surcharge".into(), td_string!(l, fees.cross_border_surcharge).into())}</label>
                <label class="field">{td_string!(l, fees.settlement_cycle)}
                    <select name="fields[settlement_cycle]">
                        {SettlementCycle::ALL.into_iter().map(|c| view! { <option value=c.as_str() selected=selected("settlement_cycle", c.as_str())>{cycle_label(l, c)}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field">{td_string!(l, fees.settlement_fee)}" ¥"{cell("settlement_fee".into(), td_string!(l, fees.settlement_fee).into())}</label>
                <label class="field">{td_string!(l, fees.chargeback_fee)}" ¥"{cell("chargeback_fee".into(), td_string!(l, fees.chargeback_fee).into())}</label>
                <label class="field">{td_string!(l, fees.valid_from)}{view! { <Cell key="valid_from".into() label=td_string!(l, fees.valid_from).into() value=v("valid_from") errors=errs inputmode="text"/> }}</label>
                <label class="field">{td_string!(l, fees.valid_to)}{view! { <Cell key="valid_to".into() label=td_string!(l, fees.valid_to).into() value=v("valid_to") errors=errs inputmode="text"/> }}</label>
            </div>
            <div class="form-actions"><Submit label=td_string!(l, fees.save) pending=save.pending()/></div>
        </ActionForm>
        <Preview fields=current ceiling=ceiling/>
        </div>
    }
}

/// The fee for a sample payment under the schedule as currently typed.
#[component]
fn Preview(fields: RwSignal<BTreeMap<String, String>>, ceiling: i64) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let method = RwSignal::new(Method::WechatPay.as_str().to_string());
    let amount = RwSignal::new("100.00".to_string());
    let volume = RwSignal::new("0".to_string());
    let cross = RwSignal::new(false);
    let result = move || {
        // The name does not change a fee: an unnamed draft previews too.
        let mut form = ScheduleForm::from_fields(&fields.get());
        if form.name.is_empty() {
            form.name = "—".into();
        }
        let schedule = fees::parse_schedule(&form, RatePpm(ceiling))
            .map_err(|_| td_string!(l, fees.preview_fix).to_string())?;
        let m = Method::parse(&method.get())
            .ok_or_else(|| td_string!(l, fees.preview_method).to_string())?;
        let amount = MoneyFen::parse_yuan(&amount.get())
            .map_err(|p| p.message(crate::domain::lang::Lang::from_locale(l)))?;
        let volume = MoneyFen::parse_yuan(&volume.get())
            .map_err(|p| p.message(crate::domain::lang::Lang::from_locale(l)))?;
        fees::fee(&schedule, m, amount, volume, cross.get())
            .ok_or_else(|| td_string!(l, fees.preview_not_offered).to_string())
    };
    view! {
        <aside class="card fee-preview" aria-live="polite">
            <h2>{td_string!(l, fees.preview)}</h2>
            <label>{td_string!(l, fees.method)}
                <select on:change=move |ev| method.set(event_target_value(&ev))>
                    {Method::ALL.into_iter().map(|m| view! { <option value=m.as_str()>{method_label(l, m)}</option> }).collect_view()}
                </select>
            </label>
            <label>{td_string!(l, fees.amount)}" ¥"<input inputmode="decimal" prop:value=amount on:input=move |ev| amount.set(event_target_value(&ev))/></label>
            <label>{td_string!(l, fees.monthly_volume)}" ¥"<input inputmode="decimal" prop:value=volume on:input=move |ev| volume.set(event_target_value(&ev))/></label>
            <label class="check"><input type="checkbox" prop:checked=cross on:change=move |ev| cross.set(event_target_checked(&ev))/>" "{td_string!(l, fees.cross_border)}</label>
            {move || match result() {
                Err(msg) => view! { <p class="muted" data-preview="error">{msg}</p> }.into_any(),
                Ok(b) => view! {
                    <dl class="fee-breakdown">
                        <dt>{td_string!(l, fees.rate)}</dt><dd>{percent(b.rate.0)}{(b.surcharge.0 > 0).then(|| format!(" + {}", percent(b.surcharge.0)))}</dd>
                        <dt>{td_string!(l, fees.percentage_part)}</dt><dd>{b.percentage.to_string()}</dd>
                        <dt>{td_string!(l, fees.fixed)}</dt><dd>{b.fixed.to_string()}</dd>
                        {b.clamped.map(|c| view! { <dt>{td_string!(l, fees.clamped)}</dt><dd>{match c { fees::Clamp::Min => td_string!(l, fees.min), fees::Clamp::Max => td_string!(l, fees.max) }}</dd> })}
                        <dt><strong>{td_string!(l, fees.total)}</strong></dt><dd><strong data-preview="total">{b.total.to_string()}</strong></dd>
                    </dl>
                }.into_any(),
            }}
            <p class="muted small">{td_string!(l, fees.rounding_note)}</p>
        </aside>
    }
}

fn assignment_rows(
    l: Locale,
    list: Vec<AssignmentView>,
    decide: Option<ServerAction<DecideFloor>>,
    with_merchant: bool,
) -> impl IntoView {
    view! {
        <div class="table-wrap"><table>
            <thead><tr>
                {with_merchant.then(|| view! { <th>{td_string!(l, fees.merchant)}</th> })}
                <th>{td_string!(l, fees.schedule)}</th><th>{td_string!(l, fees.negotiated)}</th>
                <th>{td_string!(l, fees.effective_from)}</th><th>{td_string!(l, common.status)}</th><th>{td_string!(l, fees.by)}</th>
                {decide.map(|_| view! { <th>{td_string!(l, fees.decision)}</th> })}
            </tr></thead>
            <tbody>
                {list.into_iter().map(|a| {
                    let id = a.id.to_string();
                    view! {
                        <tr data-status=a.status.as_str()>
                            {with_merchant.then(|| view! { <td><A href=format!("/fees/merchants/{}", a.organisation_id)>{a.legal_name.clone()}</A></td> })}
                            <td>{a.schedule.clone()}</td>
                            <td><ul class="plain">{a.negotiated.iter().map(|(m, from, to, floor)| {
                                let below = a.below_floor.contains(m);
                                view! { <li class:below-floor=below>{method_label(l, *m)}": "{percent(*from)}" → "<strong>{percent(*to)}</strong>
                                    {below.then(|| view! { " "<span class="badge badge-warn">{td_string!(l, fees.below_floor, floor = percent(*floor))}</span> })}</li> }
                            }).collect_view()}</ul></td>
                            <td>{a.effective_from.to_string()}</td>
                            <td>{assignment_status_label(l, a.status)}{a.note.clone().map(|n| view! { <br/><span class="small muted">{n}</span> })}</td>
                            <td>{a.creator.clone().unwrap_or_default()}" · "<When at=a.created_at/>{a.decider.clone().map(|d| view! { <br/><span class="small">{d}</span> })}</td>
                            {decide.map(|act| view! { <td>{a.can_decide.then(|| view! {
                                <ActionForm action=act attr:class="inline-form">
                                    <input type="hidden" name="id" value=id.clone()/>
                                    <input name="note" aria-label=td_string!(l, fees.note) placeholder=td_string!(l, fees.note)/>
                                    <button class="btn btn-small btn-primary" name="decision" value="approve">{td_string!(l, fees.approve)}</button>
                                    <button class="btn btn-small btn-danger" name="decision" value="decline">{td_string!(l, fees.decline)}</button>
                                </ActionForm>
                            })}</td> })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

#[component]
pub fn FeeMerchantsPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let decide = ServerAction::<DecideFloor>::new();
    let (_, decide_err) = action_errors(decide);
    let data = Resource::new(move || decide.version().get(), |_| fee_merchants());
    view! {
        <Title text=move || td_string!(l, fees.merchants_title)/>
        <h1>{td_string!(l, fees.merchants_title)}</h1>
        <FormAlert error=decide_err/>
        <Suspense fallback=move || loading(l)>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(v) => view! {
                    <section class="card" id="floor-approvals">
                        <h2>{td_string!(l, fees.pending_title)}</h2>
                        {if v.pending.is_empty() {
                            view! { <p class="muted">{td_string!(l, fees.pending_none)}</p> }.into_any()
                        } else {
                            assignment_rows(l, v.pending, Some(decide), true).into_any()
                        }}
                    </section>
                    {v.can_manage.then(|| view! {
                        <section class="card">
                            <h2>{td_string!(l, fees.approved_merchants)}</h2>
                            <div class="table-wrap"><table>
                                <thead><tr><th>{td_string!(l, fees.merchant)}</th><th>{td_string!(l, fees.approved_at)}</th><th>{td_string!(l, fees.schedule)}</th><th>{td_string!(l, fees.contract)}</th></tr></thead>
                                <tbody>
                                    {v.merchants.into_iter().map(|m| view! {
                                        <tr>
                                            <td><A href=format!("/fees/merchants/{}", m.organisation_id)>{m.legal_name}</A></td>
                                            <td>{m.approved_at.map(|t| view! { <When at=t/> })}</td>
                                            <td>{m.schedule.unwrap_or_else(|| "—".into())}</td>
                                            <td>{m.contract.map(|c| contract_state_label(l, c)).unwrap_or("—")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        </section>
                    })}
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn FeeMerchantPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let params = use_params_map();
    let org = Memo::new(move |_| {
        params
            .read()
            .get("org")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let assign = ServerAction::<AssignFees>::new();
    let act = ServerAction::<ContractAction>::new();
    let (assign_fields, assign_err) = action_errors(assign);
    let (_, act_err) = action_errors(act);
    let data = Resource::new(
        move || (org.get(), assign.version().get(), act.version().get()),
        |(org, _, _)| async move {
            match org {
                Some(o) => fee_merchant(o).await,
                None => Err(crate::error::AppError::NotFound(String::new())),
            }
        },
    );
    let field_error = move |k: &str| {
        let k = k.to_string();
        move || {
            assign_fields
                .get()
                .and_then(|e| e.get(&k).map(str::to_string))
        }
    };
    let echoed = move |k: &str| {
        assign_fields
            .get_untracked()
            .and_then(|e| e.value(k).map(str::to_string))
    };
    view! {
        <Title text=move || td_string!(l, fees.merchant_title)/>
        <p><A href="/fees/merchants">{td_string!(l, fees.back_to_merchants)}</A></p>
        <Suspense fallback=move || loading(l)>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(m) => {
                    let org = m.organisation_id.to_string();
                    let org2 = org.clone();
                    let choices = m.choices.clone();
                    let pending_note = matches!(assign.value().get_untracked(), Some(Ok(AssignmentStatus::PendingApproval)));
                    view! {
                        <h1>{m.legal_name.clone()}</h1>
                        <section class="card">
                            <h2>{td_string!(l, fees.assign_title)}</h2>
                            {pending_note.then(|| view! { <p class="alert alert-warn">{td_string!(l, fees.sent_for_approval)}</p> })}
                            <FormAlert error=assign_err/>
                            {if choices.is_empty() {
                                view! { <p class="muted">{td_string!(l, fees.no_schedules)}" "<A href="/fees/new">{td_string!(l, fees.new_schedule)}</A></p> }.into_any()
                            } else { view! {
                                <ActionForm action=assign attr:class="stack-form">
                                    <input type="hidden" name="organisation_id" value=org.clone()/>
                                    <div class="field">
                                        <label for="f-version-id">{td_string!(l, fees.schedule)}</label>
                                        <select id="f-version-id" name="version_id">
                                            {choices.iter().map(|c| view! { <option value=c.id.to_string()>{c.label.clone()}</option> }).collect_view()}
                                        </select>
                                        <span class="error" role="alert">{field_error("version_id")}</span>
                                    </div>
                                    <label class="field">{td_string!(l, fees.effective_from)}
                                        <input name="effective_from" type="date" value=echoed("effective_from").unwrap_or_else(crate::components::time::today_string)/>
                                        <span class="error" role="alert">{field_error("effective_from")}</span>
                                    </label>
                                    <p class="muted small">{td_string!(l, fees.overrides_note)}</p>
                                    <div class="grid-3">
                                        {Method::ALL.into_iter().map(|me| {
                                            let name = format!("overrides[{}]", me.as_str());
                                            let template = choices.first().and_then(|c| c.schedule.line(me).map(|li| (li.rate.0, li.floor.0)));
                                            view! {
                                                <label class="field">{method_label(l, me)}" %"
                                                    <input name=name.clone() inputmode="decimal" value=echoed(&name)
                                                        placeholder=template.map(|(r, _)| RatePpm(r).percent_string())/>
                                                    {template.map(|(_, f)| view! { <span class="hint">{td_string!(l, fees.floor_hint, floor = percent(f))}</span> })}
                                                    <span class="error" role="alert">{field_error(&name)}</span>
                                                </label>
                                            }
                                        }).collect_view()}
                                    </div>
                                    <Submit label=td_string!(l, fees.assign) pending=assign.pending()/>
                                </ActionForm>
                            }.into_any() }}
                        </section>
                        <section class="card">
                            <h2>{td_string!(l, fees.history)}</h2>
                            {assignment_rows(l, m.assignments.clone(), None, false)}
                        </section>
                        <section class="card" id="contracts">
                            <h2>{td_string!(l, fees.contracts)}</h2>
                            <FormAlert error=act_err/>
                            {m.has_active.then(|| { let org = org2.clone(); view! {
                                <ActionForm action=act attr:class="inline-form">
                                    <input type="hidden" name="organisation_id" value=org/>
                                    <input type="hidden" name="action" value="draft"/>
                                    <Submit label=td_string!(l, fees.draft_contract) pending=act.pending()/>
                                </ActionForm>
                            } })}
                            <div class="table-wrap"><table>
                                <thead><tr><th>{td_string!(l, fees.number)}</th><th>{td_string!(l, common.status)}</th><th>"SHA-256"</th><th></th></tr></thead>
                                <tbody>
                                    {m.contracts.into_iter().map(|c| {
                                        let cid = c.id.to_string();
                                        let button = |action: &'static str, label: &'static str, class: &'static str| {
                                            let (org, cid) = (org2.clone(), cid.clone());
                                            view! {
                                                <ActionForm action=act attr:class="inline-form">
                                                    <input type="hidden" name="organisation_id" value=org/>
                                                    <input type="hidden" name="id" value=cid/>
                                                    <input type="hidden" name="action" value=action/>
                                                    <button type="submit" class=class>{label}</button>
                                                </ActionForm>
                                            }
                                        };
                                        let send = c.state.may_send().then(|| button("send", td_string!(l, fees.send), "btn btn-small btn-primary"));
                                        let withdraw = c.state.may_withdraw().then(|| button("withdraw", td_string!(l, fees.withdraw), "btn btn-small btn-danger"));
                                        let (number, data_number) = (c.number.clone(), c.number.clone());
                                        view! {
                                            <tr data-contract=data_number data-state=c.state.as_str()>
                                                <td><A href=format!("/fees/contracts/{}", c.id)>{number}</A></td>
                                                <td>{contract_state_label(l, c.state)}{c.accepted_name.clone().map(|n| view! { <br/><span class="small">{n}</span> })}</td>
                                                <td><code class="hash">{c.hash.clone()}</code></td>
                                                <td>{send}{withdraw}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// The contract as a printable page, with its PDF.
#[component]
fn ContractDocument(view: ContractView, pdf: String) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let s = view.summary.clone();
    // Printing needs JavaScript (the page's CSP allows no inline handlers); without it the
    // browser's own print command does the same.
    let (scripted, set_scripted) = signal(false);
    Effect::new(move |_| set_scripted.set(true));
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().print();
        }
    };
    view! {
        <div class="contract-actions no-print">
            <span class="badge" data-state=s.state.as_str()>{contract_state_label(l, s.state)}</span>
            " "<a class="btn btn-small" href=pdf rel="external" download>{td_string!(l, fees.download_pdf)}</a>
            <Show when=move || scripted.get()>" "<button type="button" class="btn btn-small" on:click=print>{td_string!(l, fees.print)}</button></Show>
        </div>
        {s.accepted_at.map(|at| view! {
            <p class="alert alert-ok" data-accepted="yes">{td_string!(l, fees.accepted_by, name = s.accepted_name.clone().unwrap_or_default())}" "<When at=at/></p>
        })}
        <article class="card contract"><Document blocks=view.blocks/></article>
    }
}

#[component]
pub fn StaffContractPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let data = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => staff_contract(id).await,
                None => Err(crate::error::AppError::NotFound(String::new())),
            }
        },
    );
    view! {
        <Title text=move || td_string!(l, fees.contract)/>
        <Suspense fallback=move || loading(l)>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(v) => {
                    let pdf = format!("/fees/contracts/{}/pdf", v.summary.id);
                    let (back, name) = (format!("/fees/merchants/{}", v.organisation_id), v.legal_name.clone());
                    view! {
                        <p class="no-print"><A href=back>{name}</A></p>
                        <ContractDocument view=v pdf=pdf/>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn PortalContractPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let accept = ServerAction::<AcceptContract>::new();
    let (fields, other) = action_errors(accept);
    let data = Resource::new(move || accept.version().get(), |_| my_contract());
    let err =
        move |k: &'static str| move || fields.get().and_then(|e| e.get(k).map(str::to_string));
    view! {
        <Title text=move || td_string!(l, fees.portal_title)/>
        <h1>{td_string!(l, fees.portal_title)}</h1>
        <Suspense fallback=move || loading(l)>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(None) => view! { <p class="muted">{td_string!(l, fees.portal_none)}</p> }.into_any(),
                Ok(Some(v)) => {
                    let s = v.summary.clone();
                    let pdf = format!("/portal/contract/{}/pdf", s.id);
                    let signatories = v.signatories.join(" / ");
                    view! {
                        <ContractDocument view=v pdf=pdf/>
                        {(s.state == ContractState::Sent).then(|| view! {
                            <section class="card no-print" id="accept">
                                <h2>{td_string!(l, fees.accept_title)}</h2>
                                <FormAlert error=other/>
                                <ActionForm action=accept attr:class="stack-form">
                                    <input type="hidden" name="id" value=s.id.to_string()/>
                                    <input type="hidden" name="hash" value=s.hash.clone()/>
                                    <label class="check"><input type="checkbox" name="agree" value="yes"/>" "{td_string!(l, fees.agree, number = s.number.clone())}</label>
                                    <p class="error" role="alert">{err("agree")}</p>
                                    <label class="field">{td_string!(l, fees.signatory_name)}
                                        <input name="name" autocomplete="name" value=move || fields.get().and_then(|e| e.value("name").map(str::to_string))/>
                                        <span class="hint">{td_string!(l, fees.signatory_hint, names = signatories.clone())}</span>
                                        <span class="error" role="alert">{err("name")}</span>
                                    </label>
                                    <Submit label=td_string!(l, fees.accept) pending=accept.pending()/>
                                </ActionForm>
                            </section>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
