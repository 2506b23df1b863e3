//! `/modules/:slug/*rest`: every module but PCC (which has routes of its own). Someone without the
//! module's "view" flag is told so, with the rule that refused. The registration and survey
//! modules show their screens (which read the rest of the path).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::NotFound;
use crate::auth::authorize::{Action, Area, Scope};
use crate::auth::model::CurrentUser;
use crate::error::AppError;
use crate::modules::Module;
use crate::modules::registrations::model::EventKind;
use crate::modules::registrations::views::RegistrationsPage;
use crate::modules::surveys::model::SurveyKind;
use crate::modules::surveys::views::SurveysPage;

/// `/modules/:slug/*rest` (a lazy route).
#[component]
pub fn ModulePage() -> impl IntoView {
    let params = use_params_map();
    let user = expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>();
    let module = move || params.with(|p| p.get("slug").and_then(|s| Module::from_slug(&s)));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = user.await.ok().flatten();
                match module() {
                    Some(m) => {
                        let decision = user.map(|u| u.decide(Action::View, Area::Module(m), Scope::Any));
                        match decision {
                            Some(d) if !d.allowed => view! { <NoAccess title=m.title() reason=d.reason/> }.into_any(),
                            _ if EventKind::of_module(m).is_some() => view! { <RegistrationsPage/> }.into_any(),
                            _ if SurveyKind::of_module(m).is_some() => view! { <SurveysPage/> }.into_any(),
                            _ => view! { <ComingSoon title=m.title() summary=m.summary()/> }.into_any(),
                        }
                    }
                    None => view! { <NotFound/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ComingSoon(title: &'static str, summary: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <p class="lead">{summary}</p>
        <p class="notice" role="note">"This module is coming soon. Nothing here is live yet."</p>
    }
}

#[component]
fn NoAccess(title: &'static str, reason: String) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <p class="form-error" role="alert">{format!("You do not have access to this module. {reason}")}</p>
        <p>"Ask an administrator if you need it."</p>
    }
}
