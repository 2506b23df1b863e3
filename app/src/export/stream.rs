//! Streamed list exports (server only): every row of a list the caller may see, with the list's
//! own filters and order, as CSV or XLSX, in bounded memory however many rows there are.
//!
//! A list describes itself once as a [`ListExport`]: its statement is built by the same code that
//! builds its pages (so the two cannot disagree), its rows turn into [`Cell`]s. [`respond`] admits
//! the caller for viewing the list's area (403 and audited when refused), checks the filters
//! (field errors before any byte is sent), then:
//!
//! - a task runs the statement in the caller's transaction (a dealer user's under the application
//!   role, so row-level security applies), fetching rows as the client takes them, and hands
//!   them on through a bounded channel;
//! - a blocking thread writes them as CSV, or into a constant-memory XLSX worksheet (rows go to a
//!   temporary file as they come; the workbook is zipped into the response at the end), and
//!   passes the bytes on through a second bounded channel to the response body.
//!
//! A list with more rows than the setting `exports.background_rows` is exported the same way as a
//! background job instead ([`jobs`]): the caller is sent to their notifications and told when the
//! file is ready.
//!
//! Memory is bounded by the channels, not the row count. The export is audited (who, which list,
//! the filters, the row count, whether the client took it all) in the same transaction, before
//! the file's last bytes are sent: a download that completes was recorded. A failure part-way
//! breaks the response, so a client never takes a truncated file for a whole one. At most
//! [`MAX_RUNNING`] exports run at once (each holds a database connection while it streams).

use std::io::{self, Write};
use std::sync::{Arc, LazyLock};

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder};
use tokio::sync::{Semaphore, mpsc};

use super::{Cell, Format, XlsxFormats, attachment_body, jobs, refusal};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Area};
use crate::auth::server::{Ctx, Visit, admit_visit};
use crate::error::AppError;

/// Exports running at once; more are asked to try again shortly (each holds a connection).
pub const MAX_RUNNING: usize = 4;
/// Rows in flight between the database task and the file writer.
const ROW_BUFFER: usize = 512;
/// Bytes gathered before they are passed to the response body.
const CHUNK: usize = 64 * 1024;
/// Chunks in flight between the file writer and the response body.
const CHUNK_BUFFER: usize = 4;
/// Rows of one XLSX worksheet, its header included (Excel's limit); more continue on another.
const XLSX_SHEET_ROWS: u32 = 1_048_576;

static RUNNING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(MAX_RUNNING)));

/// A list as it is exported: its rows, in the list's order, with the list's filters.
pub trait ListExport: Send + Sync + 'static {
    /// A row as the statement returns it.
    type Row: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin + 'static;

    /// The area whose `view` right the caller needs.
    fn area(&self) -> Area;
    /// What the audit row names as exported.
    fn entity(&self) -> AuditEntity;
    /// The file's name without extension (also the list's name in the audit row).
    fn name(&self) -> String;
    /// The XLSX worksheet's name.
    fn sheet(&self) -> &'static str;
    /// The column headings.
    fn header(&self) -> Vec<&'static str>;
    /// The filters as the list's URL carries them (recorded in the audit row).
    fn params(&self) -> String;
    /// Every row the caller may see, in the list's order: the list's own statement without its
    /// page limit. Checks the filters (a field error for bad ones).
    fn statement(&self, ctx: &Ctx) -> Result<QueryBuilder<Postgres>, AppError>;
    /// A row's cells, in the order of [`ListExport::header`].
    fn cells(&self, row: Self::Row) -> Vec<Cell>;
}

/// Answers an export request: the file, streamed, or the refusal (403, 400 with field errors,
/// 429 when too many exports run).
pub async fn respond<E: ListExport>(visit: Visit, export: E, format: Format) -> Response {
    start(visit, export, format).await.unwrap_or_else(refusal)
}

async fn start<E: ListExport>(
    visit: Visit,
    export: E,
    format: Format,
) -> Result<Response, AppError> {
    let ctx = admit_visit(visit, Action::View, export.area()).await?;
    let statement = export.statement(&ctx)?;
    let permit = Arc::clone(&RUNNING)
        .try_acquire_owned()
        .map_err(|_| AppError::RateLimited {
            retry_after_secs: 30,
        })?;
    let background = jobs::too_big(&ctx, export.statement(&ctx)?).await?;
    let (rows_tx, rows_rx) = mpsc::channel::<Piece>(ROW_BUFFER);
    let (body_tx, body_rx) = mpsc::channel::<io::Result<Bytes>>(CHUNK_BUFFER);
    let header = export.header();
    let sheet = export.sheet();
    let filename = format!(
        "{}-{}.{}",
        export.name(),
        chrono::Utc::now().format("%Y%m%d-%H%M"),
        format.extension()
    );
    let job = if background {
        Some(jobs::create(&ctx, &export.name(), &filename, format).await?)
    } else {
        None
    };
    tokio::task::spawn_blocking(move || write_file(format, sheet, &header, rows_rx, body_tx));
    let (pool, owner) = (ctx.state.pool.clone(), ctx.actor.id);
    tokio::spawn(async move {
        let _permit = permit;
        feed(ctx, export, statement, format, rows_tx).await;
    });
    if let Some(job) = job {
        // Too big to wait for: the file goes to the database, the caller to their notifications.
        tokio::spawn(jobs::collect(
            pool,
            job,
            owner,
            sheet.to_lowercase(),
            body_rx,
        ));
        return Ok(Redirect::to(jobs::PREPARING_PATH).into_response());
    }
    let body = futures_util::stream::unfold(body_rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(attachment_body(
        &filename,
        format.content_type(),
        Body::from_stream(body),
    ))
}

/// What the database task hands the file writer.
enum Piece {
    /// One row's cells.
    Row(Vec<Cell>),
    /// Every row was sent and the export recorded: finish the file.
    End,
}

/// Runs the statement and hands its rows on, then records the export. The writer finishes the
/// file only on [`Piece::End`]; if this fails part-way it drops the channel instead, and the
/// writer breaks the response.
async fn feed<E: ListExport>(
    ctx: Ctx,
    export: E,
    mut statement: QueryBuilder<Postgres>,
    format: Format,
    rows: mpsc::Sender<Piece>,
) {
    let outcome: Result<bool, AppError> = async {
        let mut tx = ctx.begin().await?;
        let mut count: u64 = 0;
        let mut complete = true;
        {
            let mut fetched = statement.build_query_as::<E::Row>().fetch(&mut *tx);
            while let Some(row) = fetched.try_next().await? {
                if rows.send(Piece::Row(export.cells(row))).await.is_err() {
                    // The client went away: record what it took.
                    complete = false;
                    break;
                }
                count += 1;
            }
        }
        audit::record(
            &mut tx,
            &ctx.meta,
            AuditEntry::new(
                Some(ctx.actor.id),
                AuditAction::RecordsExported,
                export.entity(),
                None,
            )
            .with_new(json!({
                "what": export.name(),
                "format": format.extension(),
                "filters": export.params(),
                "dealer_filter": ctx.decision.dealer_filter,
                "rows": count,
                "complete": complete,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(complete)
    }
    .await;
    match outcome {
        Ok(true) => {
            let _ = rows.send(Piece::End).await;
        }
        Ok(false) => tracing::info!(list = %export.name(), "export abandoned by the client"),
        Err(err) => tracing::error!(list = %export.name(), error = %err, "export failed"),
    }
}

/// Bytes on their way to the response body, passed on in chunks of [`CHUNK`].
struct Chunks {
    buf: Vec<u8>,
    out: mpsc::Sender<io::Result<Bytes>>,
}

impl Chunks {
    fn pass_on(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.out
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }

    /// Breaks the response: the body ends with an error, so the connection is cut rather than
    /// the client keeping a file that looks whole.
    fn fail(self, why: &str) {
        let _ = self
            .out
            .blocking_send(Err(io::Error::other(why.to_owned())));
    }
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.pass_on()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pass_on()
    }
}

/// The file writer (a blocking thread): rows in, bytes out.
fn write_file(
    format: Format,
    sheet: &'static str,
    header: &[&str],
    rows: mpsc::Receiver<Piece>,
    out: mpsc::Sender<io::Result<Bytes>>,
) {
    let chunks = Chunks {
        buf: Vec::with_capacity(CHUNK),
        out,
    };
    let result = match format {
        Format::Csv => write_csv(header, rows, chunks),
        Format::Xlsx => write_xlsx(sheet, header, rows, chunks),
    };
    if let Err((chunks, why)) = result {
        if let Some(chunks) = chunks {
            chunks.fail(&why);
        }
        tracing::warn!(error = %why, "export file not finished");
    }
}

type Unfinished = (Option<Chunks>, String);

fn write_csv(
    header: &[&str],
    mut rows: mpsc::Receiver<Piece>,
    mut chunks: Chunks,
) -> Result<(), Unfinished> {
    chunks.buf.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::Writer::from_writer(chunks);
    let gone = |e: csv::Error| (None, e.to_string());
    w.write_record(header).map_err(gone)?;
    loop {
        match rows.blocking_recv() {
            Some(Piece::Row(cells)) => w
                .write_record(cells.iter().map(Cell::csv_text))
                .map_err(gone)?,
            Some(Piece::End) => {
                w.flush().map_err(|e| (None, e.to_string()))?;
                return Ok(());
            }
            None => {
                let chunks = w.into_inner().ok();
                return Err((chunks, "the rows stopped before the end".into()));
            }
        }
    }
}

fn write_xlsx(
    sheet: &'static str,
    header: &[&str],
    mut rows: mpsc::Receiver<Piece>,
    mut chunks: Chunks,
) -> Result<(), Unfinished> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let formats = XlsxFormats::new();
    let broken = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut sheets = 0u32;
    let mut r = XLSX_SHEET_ROWS;
    loop {
        let piece = rows.blocking_recv();
        let cells = match piece {
            Some(Piece::Row(cells)) => cells,
            Some(Piece::End) => break,
            None => return Err((Some(chunks), "the rows stopped before the end".into())),
        };
        if r == XLSX_SHEET_ROWS {
            // A new worksheet (the first, or the next once one is full), headed like the first.
            sheets += 1;
            let name = if sheets == 1 {
                sheet.to_owned()
            } else {
                format!("{sheet} ({sheets})")
            };
            if let Err(e) = new_sheet(&mut book, &formats, &name, header) {
                return Err((Some(chunks), broken(e)));
            }
            r = 1;
        }
        let ws = book
            .worksheet_from_index(sheets as usize - 1)
            .map_err(broken);
        let written = ws.and_then(|ws| formats.row(ws, r, &cells).map_err(broken));
        if let Err(why) = written {
            return Err((Some(chunks), why));
        }
        r += 1;
    }
    if sheets == 0 {
        // No rows: the header alone.
        if let Err(e) = new_sheet(&mut book, &formats, sheet, header) {
            return Err((Some(chunks), broken(e)));
        }
    }
    if let Err(e) = book.save_to_writer(&mut chunks) {
        return Err((Some(chunks), broken(e)));
    }
    chunks.flush().map_err(|e| (None, e.to_string()))
}

/// Adds a constant-memory worksheet named `name`, headed by `header`.
fn new_sheet(
    book: &mut rust_xlsxwriter::Workbook,
    formats: &XlsxFormats,
    name: &str,
    header: &[&str],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let ws = book.add_worksheet_with_constant_memory()?;
    ws.set_name(name)?;
    formats.header(ws, header)
}
