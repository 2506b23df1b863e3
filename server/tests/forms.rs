//! Forms posted without JavaScript: a refused post comes back to its page with the field messages
//! and what was typed (never a password), and changes nothing.

mod common;

use base64::Engine as _;
use sqlx::PgPool;

/// A plain HTML form post, as a browser without JavaScript sends it from `page`.
async fn post_form(
    client: &reqwest::Client,
    base: &str,
    page: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{base}/api/{endpoint}"))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{base}{page}"))
        .form(form)
        .send()
        .await
        .unwrap()
}

fn query_pairs(location: &str) -> Vec<(String, String)> {
    url::Url::parse(&format!("http://x{location}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_refused_form_without_javascript_comes_back_with_its_messages_and_values(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    common::user(&pool, "root@oem.example", "super_admin", None).await;
    let base = common::start(pool.clone()).await;
    let client = common::client(&base);
    common::sign_in(&client, &base, "root@oem.example").await;

    let refused = post_form(
        &client,
        &base,
        "/admin/dealers/new",
        "admin/dealers/create",
        &[
            ("dealer_code", "bad code!"),
            ("dealer_name", "Mumbai Motors"),
            ("city", "Mumbai"),
            ("brand", "Skoda"),
            ("status", "active"),
        ],
    )
    .await;
    assert_eq!(refused.status(), 302);
    let location = refused.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/admin/dealers/new?"), "{location}");
    let pairs = query_pairs(&location);
    assert_eq!(param(&pairs, "__path"), Some("/api/admin/dealers/create"));
    let error = base64::engine::general_purpose::URL_SAFE
        .decode(param(&pairs, "__err").unwrap())
        .unwrap();
    let error: serde_json::Value = serde_json::from_slice(&error).unwrap();
    assert_eq!(error["kind"], "validation");
    assert_eq!(error["fields"][0]["field"], "dealer_code");
    assert_eq!(param(&pairs, "dealer_name"), Some("Mumbai Motors"));
    let dealers: i64 = sqlx::query_scalar("SELECT count(*) FROM dealers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(dealers, 0, "a refused form changes nothing");

    // The page it comes back to shows the message beside its field, and the form as typed.
    let page = client
        .get(format!("{base}{location}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Use up to 50 letters, digits, dashes and underscores."),
        "the field message is on the page"
    );
    assert!(
        page.contains(r#"value="Mumbai Motors""#),
        "the typed name is kept"
    );
    assert!(
        page.contains(r#"value="bad code!""#),
        "the typed code is kept"
    );

    // Secrets never travel back in a URL.
    let refused = post_form(
        &client,
        &base,
        "/account",
        "auth/password/change",
        &[
            ("current_password", "not my password at all"),
            ("new_password", "violet tractor monsoon loudly"),
            ("confirm_password", "violet tractor monsoon loudly"),
        ],
    )
    .await;
    assert_eq!(refused.status(), 302);
    let location = refused.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/account?"), "{location}");
    assert!(!location.contains("password="), "{location}");
    assert!(!location.contains("violet"), "{location}");
    assert_eq!(
        param(&query_pairs(&location), "__path"),
        Some("/api/auth/password/change")
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_accepted_form_without_javascript_goes_where_its_server_function_says(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    common::user(&pool, "root@oem.example", "super_admin", None).await;
    let base = common::start(pool.clone()).await;
    let client = common::client(&base);
    common::sign_in(&client, &base, "root@oem.example").await;
    let created = post_form(
        &client,
        &base,
        "/admin/dealers/new",
        "admin/dealers/create",
        &[
            ("dealer_code", "MUM-001"),
            ("dealer_name", "Mumbai Motors"),
            ("brand", "Skoda"),
            ("status", "active"),
        ],
    )
    .await;
    assert_eq!(created.status(), 302);
    let location = created.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/admin/dealers/"), "{location}");
    assert!(location.ends_with("?created=1"), "{location}");
    assert!(!location.contains("__err"));
}
