//! The home page's server function.

use chrono::NaiveDate;
use leptos::prelude::*;

use super::model::Home;
use crate::error::AppError;

/// The signed-in user's home: the parts they may see; `from`/`to` bound the network's figures
/// (the last twelve months when not given).
#[server(endpoint = "home")]
pub async fn get_home(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Home, AppError> {
    let visit = crate::auth::server::visit()?;
    super::server::home(&visit, from, to).await
}
