//! The survey pages, for all three surveys: the responses list with the periods open to the
//! dealer (`list.rs`), one response, filled with a live score and autosave or read as submitted
//! (`record.rs`, built on the form renderer in `fill.rs`), the periods and who has not submitted
//! (`periods.rs`), the results (`results.rs`) and the form builder (`builder.rs`, its question
//! editor in `editor.rs` and `kind_settings.rs`).
//!
//! All of them are reached through the modules' one lazy route (`/modules/:slug/*rest`, see
//! `crate::pages::ModulePage`, which checks the module's `view` flag first): [`SurveysPage`]
//! reads the rest of the path and shows the screen it names, so the surveys add no route code to
//! the first bundle.

mod builder;
mod editor;
pub mod fill;
mod kind_settings;
mod list;
mod periods;
mod record;
mod results;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use uuid::Uuid;

use super::model::SurveyKind;
use crate::auth::model::CurrentUser;
use crate::error::AppError;

/// What a survey path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// `/modules/{slug}`: the responses and open periods.
    List,
    /// `…/periods`.
    Periods,
    /// `…/periods/{id}`: one period and who has not submitted.
    Period(Uuid),
    /// `…/results`.
    Results,
    /// `…/forms`: the form's versions.
    Forms,
    /// `…/forms/{version}`: one version (edited while a draft, else previewed).
    Form(i32),
    /// `…/{id}`: one response.
    Record(Uuid),
}

impl Screen {
    /// The survey and screen of a path, if it names one.
    pub fn parse(path: &str) -> Option<(SurveyKind, Screen)> {
        let rest = path.strip_prefix("/modules/")?.trim_end_matches('/');
        let (slug, rest) = rest.split_once('/').unwrap_or((rest, ""));
        let kind = SurveyKind::from_slug(slug)?;
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        let id = |s: &str| Uuid::parse_str(s).ok();
        let screen = match parts.as_slice() {
            [] => Screen::List,
            ["periods"] => Screen::Periods,
            ["periods", p] => Screen::Period(id(p)?),
            ["results"] => Screen::Results,
            ["forms"] => Screen::Forms,
            ["forms", v] => Screen::Form(v.parse().ok().filter(|v: &i32| *v > 0)?),
            [r] => Screen::Record(id(r)?),
            _ => return None,
        };
        Some((kind, screen))
    }
}

/// Every survey screen of the three surveys.
#[component]
pub fn SurveysPage() -> impl IntoView {
    let location = use_location();
    let screen = Memo::new(move |_| location.pathname.with(|p| Screen::parse(p)));
    move || match screen.get() {
        Some((kind, Screen::List)) => view! { <list::ResponsesList kind/> }.into_any(),
        Some((kind, Screen::Periods)) => view! { <periods::PeriodsPage kind/> }.into_any(),
        Some((kind, Screen::Period(id))) => view! { <periods::PeriodPage kind id/> }.into_any(),
        Some((kind, Screen::Results)) => view! { <results::ResultsPage kind/> }.into_any(),
        Some((kind, Screen::Forms)) => view! { <builder::FormsPage kind/> }.into_any(),
        Some((kind, Screen::Form(v))) => view! { <builder::FormPage kind version=v/> }.into_any(),
        Some((kind, Screen::Record(id))) => view! { <record::RecordPage kind id/> }.into_any(),
        None => view! {
            <h1>"Page not found"</h1>
            <p>"There is no such page in this survey."</p>
        }
        .into_any(),
    }
}

/// The survey's tabs.
#[component]
fn Tabs(kind: SurveyKind) -> impl IntoView {
    let base = kind.path();
    view! {
        <nav class="tabs" aria-label=kind.module().title()>
            <A href=base exact=true>"Responses"</A>
            <A href=format!("{base}/periods")>"Periods"</A>
            <A href=format!("{base}/results")>"Results"</A>
            <A href=format!("{base}/forms")>"Form"</A>
        </nav>
    }
}

/// The signed-in user (provided by the layout).
fn current_user() -> Resource<Result<Option<CurrentUser>, AppError>> {
    expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>()
}

/// Whether the signed-in user passes `test`. Awaited inside a `Suspend`, so the server renders
/// what the browser hydrates (reading the resource before it resolves would differ).
async fn user_is(
    user: Resource<Result<Option<CurrentUser>, AppError>>,
    test: impl Fn(&CurrentUser) -> bool,
) -> bool {
    user.await.ok().flatten().is_some_and(|u| test(&u))
}

/// A score in basis points as "87.50", or a dash.
fn score_text(points: Option<u32>) -> String {
    points.map_or_else(|| "—".into(), super::model::percent)
}

/// The message of an error for the page (field errors joined).
fn error_text(error: &AppError) -> String {
    match error {
        AppError::Validation { fields } => fields
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_screens() {
        let id = Uuid::nil();
        assert_eq!(
            Screen::parse("/modules/workshop-survey"),
            Some((SurveyKind::Workshop, Screen::List))
        );
        assert_eq!(
            Screen::parse(&format!("/modules/warranty-survey/periods/{id}")),
            Some((SurveyKind::Warranty, Screen::Period(id)))
        );
        assert_eq!(
            Screen::parse("/modules/technical-survey/forms/3/"),
            Some((SurveyKind::Technical, Screen::Form(3)))
        );
        assert_eq!(Screen::parse("/modules/technical-survey/forms/0"), None);
        assert_eq!(Screen::parse("/modules/mt-meets"), None);
        assert_eq!(Screen::parse("/modules/workshop-survey/nonsense"), None);
    }
}
