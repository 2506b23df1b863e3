//! Downloads (server only): tables as CSV (UTF-8 with a byte-order mark, for spreadsheet
//! programs) or XLSX, with every cell a spreadsheet could take for a formula neutralised, and the
//! HTTP answer that carries a file.
//!
//! Small tables (an event's participants) are rendered whole with [`Format::render`]; every list
//! of the product streams through [`stream`] (its own filters and order, row-level security,
//! bounded memory, audited), mounted under [`crate::list::EXPORTS_PATH`] by [`lists`].

pub mod jobs;
pub mod lists;
pub mod stream;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveDateTime};

use crate::error::AppError;

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text (neutralised on the way out).
    Text(String),
    /// A whole number.
    Number(i64),
    /// A number with a fraction (scores).
    Decimal(f64),
    /// A day: a real date cell in XLSX.
    Date(NaiveDate),
    /// A moment (UTC): a real date-and-time cell in XLSX.
    DateTime(NaiveDateTime),
    /// Nothing.
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Self {
        Cell::Date(d)
    }
}

impl From<NaiveDateTime> for Cell {
    fn from(t: NaiveDateTime) -> Self {
        Cell::DateTime(t)
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Text(if b { "Yes" } else { "No" }.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n)
    }
}

impl From<i32> for Cell {
    fn from(n: i32) -> Self {
        Cell::Number(n.into())
    }
}

/// Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
/// before one) gets a leading apostrophe, so it shows as the text it is (OWASP's advice on CSV
/// injection).
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

impl Cell {
    /// The cell as CSV text: neutralised text, numbers as written, dates as ISO 8601.
    pub fn csv_text(&self) -> String {
        match self {
            Cell::Text(t) => neutralise(t),
            Cell::Number(n) => n.to_string(),
            Cell::Decimal(x) => x.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// The XLSX formats of a workbook: the bold header, dates, and date-times.
pub(crate) struct XlsxFormats {
    pub bold: rust_xlsxwriter::Format,
    pub date: rust_xlsxwriter::Format,
    pub datetime: rust_xlsxwriter::Format,
}

impl XlsxFormats {
    pub(crate) fn new() -> Self {
        use rust_xlsxwriter::Format;
        XlsxFormats {
            bold: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        }
    }

    /// Writes `header` in bold on the first row of `ws` and freezes it.
    pub(crate) fn header(
        &self,
        ws: &mut rust_xlsxwriter::Worksheet,
        header: &[&str],
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &self.bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(())
    }

    /// Writes one row of cells at `r`: text neutralised, numbers and dates as typed cells.
    pub(crate) fn row(
        &self,
        ws: &mut rust_xlsxwriter::Worksheet,
        r: u32,
        row: &[Cell],
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => ws.write_string(r, c, neutralise(t)).map(|_| ())?,
                Cell::Number(n) => ws.write_number(r, c, *n as f64).map(|_| ())?,
                Cell::Decimal(x) => ws.write_number(r, c, *x).map(|_| ())?,
                Cell::Date(d) => ws.write_date_with_format(r, c, d, &self.date).map(|_| ())?,
                Cell::DateTime(t) => ws
                    .write_datetime_with_format(r, c, t, &self.datetime)
                    .map(|_| ())?,
                Cell::Empty => {}
            }
        }
        Ok(())
    }
}

/// A table as CSV bytes: a byte-order mark, the header, then the rows.
pub fn csv(header: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::with_capacity(64 * (rows.len() + 1));
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header).map_err(AppError::internal)?;
    for row in rows {
        w.write_record(row.iter().map(Cell::csv_text))
            .map_err(AppError::internal)?;
    }
    w.into_inner().map_err(AppError::internal)
}

/// A table as an XLSX workbook of one sheet named `sheet`: a bold header, dates as date cells.
pub fn xlsx(sheet: &str, header: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, AppError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let formats = XlsxFormats::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(AppError::internal)?;
    formats.header(ws, header).map_err(AppError::internal)?;
    for (r, row) in rows.iter().enumerate() {
        formats
            .row(ws, r as u32 + 1, row)
            .map_err(AppError::internal)?;
    }
    book.save_to_buffer().map_err(AppError::internal)
}

/// A file format of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl Format {
    /// The format named by a file extension.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The extension.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The table in this format.
    pub fn render(
        self,
        sheet: &str,
        header: &[&str],
        rows: &[Vec<Cell>],
    ) -> Result<Vec<u8>, AppError> {
        match self {
            Format::Csv => csv(header, rows),
            Format::Xlsx => xlsx(sheet, header, rows),
        }
    }

    /// Its media type.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A file the browser saves as `filename` (ASCII letters, digits, `-`, `_` and `.` only).
pub fn attachment(filename: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    attachment_body(filename, content_type, Body::from(bytes))
}

/// A file the browser saves as `filename`, its bytes coming from `body` (a stream, for exports).
pub fn attachment_body(filename: &str, content_type: &str, body: Body) -> Response {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An error as a download handler answers it: its status, and the error as JSON.
pub fn refusal(err: AppError) -> Response {
    let status = err.status();
    let body = serde_json::to_string(&err).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_plain_text_is_not() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        for f in ["+1", "-2", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(neutralise(f).starts_with('\''), "{f}");
        }
        assert_eq!(neutralise("Asha Rao"), "Asha Rao");
    }

    #[test]
    fn csv_starts_with_a_byte_order_mark_and_quotes_what_needs_it() {
        let bytes = csv(
            &["name", "n"],
            &[
                vec!["a, b".into(), Cell::Number(3)],
                vec!["=1+1".into(), Cell::Empty],
            ],
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, "\u{feff}name,n\n\"a, b\",3\n'=1+1,\n");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = xlsx(
            "People",
            &["name", "day"],
            &[vec![
                "=1".into(),
                NaiveDate::from_ymd_opt(2026, 12, 1).into(),
            ]],
        )
        .unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
