//! Registering a file of people for one event: every row checked by the same rules as one
//! registration (the person's checks, the duplicate rules, seats and the line), each row's
//! outcome reported, and nothing half-applied unless the user asked to register the valid rows.

use std::collections::HashMap;

use sqlx::Connection;
use tracing::instrument;
use uuid::Uuid;

use super::super::model::{
    EventKind, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, ImportMode, ImportReport, ImportRow, PersonForm,
    RowOutcome, import_header,
};
use super::service::{area, open_event, own_dealer, register_one, scope};
use crate::auth::authorize::Action;
use crate::auth::server::Ctx;
use crate::error::{AppError, FieldError};

/// One row as read from the file.
struct Line {
    line: usize,
    form: PersonForm,
}

/// Reads the file: a header naming the columns (any order, any case; `name` is required, the
/// others as [`import_header`] lists them), then a person per line.
fn read(kind: EventKind, text: &str) -> Result<Vec<Line>, AppError> {
    let file_error = |m: String| AppError::field("file", m);
    if text.len() > IMPORT_MAX_BYTES {
        return Err(file_error(format!(
            "The file is larger than {} KB; split it.",
            IMPORT_MAX_BYTES / 1024
        )));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let expected = import_header(kind);
    let header: Vec<String> = reader
        .headers()
        .map_err(|_| file_error("The file is not CSV text.".into()))?
        .iter()
        .map(|h| h.to_lowercase().replace([' ', '-'], "_"))
        .collect();
    let column: HashMap<&str, usize> = expected
        .iter()
        .filter_map(|name| header.iter().position(|h| h == name).map(|i| (*name, i)))
        .collect();
    if !column.contains_key("name") {
        return Err(file_error(format!(
            "The first line must name the columns: {} (download the template).",
            expected.join(", ")
        )));
    }
    let mut lines = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| file_error(format!("Line {}: {e}", i + 2)))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if lines.len() == IMPORT_MAX_ROWS {
            return Err(file_error(format!(
                "Import at most {IMPORT_MAX_ROWS} people at once."
            )));
        }
        let get = |name: &str| {
            column
                .get(name)
                .and_then(|&i| record.get(i))
                .unwrap_or_default()
                .to_owned()
        };
        lines.push(Line {
            line: record.position().map_or(i + 2, |p| p.line() as usize),
            form: PersonForm {
                name: get("name"),
                email: get("email"),
                phone: get("phone"),
                designation: get("designation"),
                employee_id: get("employee_id"),
            },
        });
    }
    if lines.is_empty() {
        return Err(file_error("The file holds no people.".into()));
    }
    Ok(lines)
}

fn reasons(e: &AppError) -> Vec<String> {
    match e {
        AppError::Validation { fields } => fields.iter().map(|f| f.message.clone()).collect(),
        other => vec![other.to_string()],
    }
}

/// Imports `text` (CSV) for `event` as `mode` says.
#[instrument(skip(ctx, text), fields(actor = %ctx.actor.id, kind = kind.key(), bytes = text.len()))]
pub async fn import(
    ctx: &Ctx,
    kind: EventKind,
    event: Uuid,
    text: &str,
    mode: ImportMode,
) -> Result<ImportReport, AppError> {
    let dealer_id = own_dealer(ctx, kind).await?;
    let lines = read(kind, text)?;
    // The person's own checks, and the same person twice in one file.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let checked: Vec<Result<_, Vec<FieldError>>> = lines
        .iter()
        .map(|l| {
            let person = l.form.check(kind)?;
            let key = match kind {
                EventKind::Api => person.email.clone(),
                EventKind::MtMeet => person.detail.as_ref().map(|d| d.to_lowercase()),
            };
            if let Some(key) = key {
                if let Some(first) = seen.get(&key) {
                    return Err(vec![FieldError::new(
                        "file",
                        format!("The same person is on line {first} of this file."),
                    )]);
                }
                seen.insert(key, l.line);
            }
            Ok(person)
        })
        .collect();
    let tx = ctx.begin().await?;
    let mut tx = ctx
        .decide(
            tx,
            Action::Create,
            area(kind),
            scope(dealer_id, ctx.actor.id),
        )
        .await?;
    let mut ev = open_event(&mut tx, kind, event, dealer_id).await?;
    let mut rows = Vec::with_capacity(lines.len());
    for (l, person) in lines.iter().zip(checked) {
        let outcome = match person {
            Err(fields) => RowOutcome::Refused {
                reasons: fields.into_iter().map(|f| f.message).collect(),
            },
            Ok(person) => {
                // Each row in a savepoint: a refused row (a duplicate the database catches)
                // leaves the others standing.
                let mut sp = tx.begin().await?;
                match register_one(&mut sp, ctx, kind, &mut ev, dealer_id, &person).await {
                    Ok(r) => {
                        sp.commit().await?;
                        RowOutcome::Registered {
                            number: if mode == ImportMode::Check {
                                String::new()
                            } else {
                                r.number
                            },
                            waitlist_position: r.waitlist_position,
                        }
                    }
                    Err(e) => {
                        sp.rollback().await?;
                        RowOutcome::Refused {
                            reasons: reasons(&e),
                        }
                    }
                }
            }
        };
        rows.push(ImportRow {
            line: l.line,
            name: l.form.name.trim().chars().take(80).collect(),
            outcome,
        });
    }
    let refused = rows
        .iter()
        .any(|r| matches!(r.outcome, RowOutcome::Refused { .. }));
    let applied = match mode {
        ImportMode::Check => false,
        ImportMode::All => !refused,
        ImportMode::ValidOnly => rows
            .iter()
            .any(|r| matches!(r.outcome, RowOutcome::Registered { .. })),
    };
    if applied {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
        if mode == ImportMode::All {
            for r in &mut rows {
                if matches!(r.outcome, RowOutcome::Registered { .. }) {
                    r.outcome = RowOutcome::NotApplied;
                }
            }
        }
    }
    Ok(ImportReport { applied, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_the_columns_in_any_order_and_case() {
        let lines = read(
            EventKind::MtMeet,
            "\u{feff}Employee ID,Name,Email\nT-1, Asha Rao ,asha@d.example\n,,\nT-2,Ravi,\n",
        )
        .unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].form.name, "Asha Rao");
        assert_eq!(lines[0].form.employee_id, "T-1");
        assert_eq!(lines[1].line, 4);
        assert!(read(EventKind::Api, "email\nx@y.example\n").is_err());
        assert!(read(EventKind::Api, "name,email\n").is_err());
    }
}
