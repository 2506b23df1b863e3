//! PCC server functions. Each admits its caller for the module and calls one service; the
//! service decides again on the locked application. No SQL here.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use super::model::{PccDetail, PccQuery, PccRow, PccSave, Saved};
use crate::error::AppError;
use crate::list::Page;
use crate::workflow::{StepDone, StepRequest};

#[cfg(feature = "ssr")]
use super::server::{lists, service};
#[cfg(feature = "ssr")]
use crate::auth::authorize::{Action, Area};
#[cfg(feature = "ssr")]
use crate::auth::server::admit;
#[cfg(feature = "ssr")]
use crate::modules::Module;

#[cfg(feature = "ssr")]
const AREA: Area = Area::Module(Module::DealerPcc);

/// A page of applications: a dealer user's own dealer's, everyone's for manufacturer staff.
#[server(endpoint = "pcc/list", input = Json)]
pub async fn list_pcc(query: PccQuery) -> Result<Page<PccRow>, AppError> {
    let ctx = admit(Action::View, AREA).await?;
    lists::list(&ctx, &query).await
}

/// One application with its timeline and the steps the caller may take.
#[server(endpoint = "pcc/get")]
pub async fn get_pcc(id: Uuid) -> Result<PccDetail, AppError> {
    let ctx = admit(Action::View, AREA).await?;
    service::detail(&ctx, id).await
}

/// Starts a draft application for the caller's dealer (at most one open at a time). A form post:
/// the answer leads to the new draft.
#[server(endpoint = "pcc/create")]
pub async fn create_pcc() -> Result<Uuid, AppError> {
    let ctx = admit(Action::Create, AREA).await?;
    let id = service::create(&ctx).await?;
    leptos_axum::redirect(&format!("/modules/pcc/{id}"));
    Ok(id)
}

/// Saves a draft's (or a returned application's) criteria, if nobody changed it meanwhile.
#[server(endpoint = "pcc/save", input = Json)]
pub async fn save_pcc(save: PccSave) -> Result<Saved, AppError> {
    let ctx = admit(Action::View, AREA).await?;
    service::save(&ctx, &save).await
}

/// Takes a workflow step (submit, take for review, approve, reject, send back, resubmit).
#[server(endpoint = "pcc/step", input = Json)]
pub async fn step_pcc(request: StepRequest) -> Result<StepDone, AppError> {
    let ctx = admit(Action::View, AREA).await?;
    service::step(&ctx, &request).await
}

/// Deletes a draft (only drafts are ever deleted).
#[server(endpoint = "pcc/delete")]
pub async fn delete_pcc(id: Uuid, version: i32) -> Result<(), AppError> {
    let ctx = admit(Action::Delete, AREA).await?;
    service::delete(&ctx, id, version).await
}
