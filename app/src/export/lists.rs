//! The export route: `GET {EXPORTS_PATH}/{list}.{csv|xlsx}?<the list's filters>`, one per list of
//! the product. Each list's own query type reads the filters from the URL exactly as its page
//! does (`from_params`), and the list's own statement runs ([`super::stream::ListExport`]), so a
//! download holds what the page shows, from its first row, whatever the page's cursor.

use std::collections::HashMap;

use axum::extract::{Extension, Path, Query, State};
use axum::response::Response;

use super::stream::respond;
use super::{Format, refusal};
use crate::admin::model::{AuditQuery, DealerQuery, UserQuery};
use crate::admin::server::audit::AuditExport;
use crate::admin::server::dealers::DealerExport;
use crate::admin::server::users::UserExport;
use crate::auth::server::{AuthSession, RequestMeta, Visit};
use crate::error::AppError;
use crate::list::{EXPORTS_PATH, ExportList};
use crate::modules::Module;
use crate::modules::pcc::model::PccQuery;
use crate::modules::pcc::server::lists::PccExport;
use crate::modules::registrations::model::{EventKind, RegQuery};
use crate::modules::registrations::server::lists::RegExport;
use crate::modules::surveys::model::{ResponseQuery, SurveyKind};
use crate::modules::surveys::server::lists::ResponseExport;
use crate::state::AppState;

/// `GET {EXPORTS_PATH}/{file}`: the list `file` names, in the format its extension names.
pub async fn export(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    session: Option<Extension<AuthSession>>,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some((list, format)) = file
        .rsplit_once('.')
        .and_then(|(name, ext)| Some((ExportList::from_name(name)?, Format::from_extension(ext)?)))
    else {
        return refusal(AppError::NotFound);
    };
    let visit = Visit {
        state,
        meta: meta.map(|Extension(m)| m).unwrap_or_default(),
        session: session.map(|Extension(s)| s),
    };
    // The filters as the list's page reads them; an export always starts at the first row.
    let get = |k: &str| (k != "after").then(|| params.get(k).cloned()).flatten();
    match list {
        ExportList::Users => respond(visit, UserExport(UserQuery::from_params(get)), format).await,
        ExportList::Dealers => {
            respond(visit, DealerExport(DealerQuery::from_params(get)), format).await
        }
        ExportList::Audit => {
            respond(visit, AuditExport(AuditQuery::from_params(get)), format).await
        }
        ExportList::Module(Module::DealerPcc) => {
            respond(visit, PccExport(PccQuery::from_params(get)), format).await
        }
        ExportList::Module(module) => {
            if let Some(kind) = EventKind::of_module(module) {
                respond(visit, RegExport(kind, RegQuery::from_params(get)), format).await
            } else if let Some(kind) = SurveyKind::of_module(module) {
                let q = ResponseQuery::from_params(get);
                respond(visit, ResponseExport(kind, q), format).await
            } else {
                refusal(AppError::NotFound)
            }
        }
    }
}

/// The export routes (a list as a file; a background export's finished file), for the server's
/// router.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            &format!("{EXPORTS_PATH}/{{file}}"),
            axum::routing::get(export),
        )
        .route(
            &format!("{EXPORTS_PATH}/files/{{id}}"),
            axum::routing::get(super::jobs::download),
        )
}
