//! Survey server functions. Each admits its caller for the survey's module and calls one
//! service; the service decides again on the locked record. No SQL here.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use super::model::{
    FormSave, FormVersion, FormVersionRow, MissingDealer, OpenPeriod, PeriodForm, PeriodRow,
    ResponseDetail, ResponseQuery, ResponseRow, Results, ResultsQuery, SaveAnswers, SurveyKind,
};
use crate::error::AppError;
use crate::list::{Cursor, Page};
use crate::workflow::{Saved, StepDone, StepRequest};

#[cfg(feature = "ssr")]
use super::server::{forms, lists, periods, results, service};
#[cfg(feature = "ssr")]
use crate::auth::authorize::{Action, Area};
#[cfg(feature = "ssr")]
use crate::auth::server::admit;

#[cfg(feature = "ssr")]
fn area(kind: SurveyKind) -> Area {
    Area::Module(kind.module())
}

/// A page of responses: a dealer user's own dealer's, everyone's for manufacturer staff.
#[server(endpoint = "surveys/list", input = Json)]
pub async fn list_responses(
    kind: SurveyKind,
    query: ResponseQuery,
) -> Result<Page<ResponseRow>, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    lists::list(&ctx, kind, &query).await
}

/// The periods open now (or soon), with the caller's dealer's response to each.
#[server(endpoint = "surveys/open")]
pub async fn open_periods(kind: SurveyKind) -> Result<Vec<OpenPeriod>, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    lists::open_periods(&ctx, kind).await
}

/// One response with the form it answers, its timeline and the steps the caller may take.
#[server(endpoint = "surveys/get")]
pub async fn get_response(kind: SurveyKind, id: Uuid) -> Result<ResponseDetail, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    service::detail(&ctx, kind, id).await
}

/// Starts (or continues) the caller's dealer's response to a period. A form post: the answer
/// leads to the response.
#[server(endpoint = "surveys/start")]
pub async fn start_response(kind: SurveyKind, period: Uuid) -> Result<Uuid, AppError> {
    let ctx = admit(Action::Create, area(kind)).await?;
    let id = service::start(&ctx, kind, period).await?;
    leptos_axum::redirect(&kind.response_href(id));
    Ok(id)
}

/// Saves a draft's answers (sent as the dealer types).
#[server(endpoint = "surveys/save", input = Json)]
pub async fn save_response(kind: SurveyKind, save: SaveAnswers) -> Result<Saved, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    service::save(&ctx, kind, &save).await
}

/// Takes a workflow step (submit, review, send back, complete).
#[server(endpoint = "surveys/step", input = Json)]
pub async fn step_response(kind: SurveyKind, request: StepRequest) -> Result<StepDone, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    service::step(&ctx, kind, &request).await
}

/// Every period of a survey.
#[server(endpoint = "surveys/periods")]
pub async fn list_periods(kind: SurveyKind) -> Result<Vec<PeriodRow>, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    periods::list(&ctx, kind).await
}

/// Opens or changes a period (manufacturer staff).
#[server(endpoint = "surveys/period", input = Json)]
pub async fn save_period(kind: SurveyKind, form: PeriodForm) -> Result<Uuid, AppError> {
    let ctx = admit(Action::Edit, area(kind)).await?;
    periods::save(&ctx, kind, &form).await
}

/// The dealers that have not submitted a period's response (manufacturer staff).
#[server(endpoint = "surveys/missing", input = Json)]
pub async fn missing_dealers(
    kind: SurveyKind,
    period: Uuid,
    search: String,
    after: Option<Cursor>,
) -> Result<Page<MissingDealer>, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    periods::missing(&ctx, kind, period, &search, after.as_ref()).await
}

/// A survey's results for one period.
#[server(endpoint = "surveys/results", input = Json)]
pub async fn survey_results(kind: SurveyKind, query: ResultsQuery) -> Result<Results, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    results::results(&ctx, kind, &query).await
}

/// Every version of a survey's form.
#[server(endpoint = "surveys/forms")]
pub async fn form_versions(kind: SurveyKind) -> Result<Vec<FormVersionRow>, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    forms::versions(&ctx, kind).await
}

/// One version of a survey's form (the published one when none is named).
#[server(endpoint = "surveys/form")]
pub async fn get_form(kind: SurveyKind, version: Option<i32>) -> Result<FormVersion, AppError> {
    let ctx = admit(Action::View, area(kind)).await?;
    forms::get(&ctx, kind, version).await
}

/// The draft version being edited, or a new one copied from the latest (super admins).
#[server(endpoint = "surveys/form_draft")]
pub async fn draft_form(kind: SurveyKind) -> Result<i32, AppError> {
    let ctx = admit(Action::Edit, area(kind)).await?;
    forms::new_draft(&ctx, kind).await
}

/// Saves a draft version (super admins).
#[server(endpoint = "surveys/form_save", input = Json)]
pub async fn save_form(save: FormSave) -> Result<i32, AppError> {
    let ctx = admit(Action::Edit, area(save.kind)).await?;
    forms::save_draft(&ctx, &save).await
}

/// Publishes a draft version (super admins); the one before is retired.
#[server(endpoint = "surveys/form_publish")]
pub async fn publish_form(kind: SurveyKind, version: i32, lock: i32) -> Result<(), AppError> {
    let ctx = admit(Action::Edit, area(kind)).await?;
    forms::publish(&ctx, kind, version, lock).await
}

/// Throws a draft version away (super admins).
#[server(endpoint = "surveys/form_discard")]
pub async fn discard_form(kind: SurveyKind, version: i32, lock: i32) -> Result<(), AppError> {
    let ctx = admit(Action::Edit, area(kind)).await?;
    forms::discard(&ctx, kind, version, lock).await
}
