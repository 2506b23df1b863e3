//! The builder's settings of a question's kind: options with their points and the correct
//! answer for choice questions (typed as `id | label | points` lines), the scale's labels, the
//! good answer of a yes/no question, a number's bounds, unit and scored end.

use leptos::prelude::*;

use crate::modules::surveys::model::form::{Better, Choice, MAX_POINTS, Question, QuestionKind};

/// Options as the editor shows them: `id | label | points`, one per line.
pub(super) fn options_text(options: &[Choice]) -> String {
    options
        .iter()
        .map(|o| format!("{} | {} | {}", o.id, o.label, o.points))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Options typed as `id | label | points` lines (a line with a label alone gets an id).
pub(super) fn parse_options(text: &str) -> Result<Vec<Choice>, String> {
    let mut out = Vec::new();
    for (n, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let (id, label, points) = match parts.as_slice() {
            [label] => (format!("option_{}", n + 1), label.to_string(), 0),
            [id, label] => (id.to_string(), label.to_string(), 0),
            [id, label, points] => {
                let p: u32 = points.parse().map_err(|_| {
                    format!(
                        "Line {}: the points must be a whole number from 0 to {MAX_POINTS}.",
                        n + 1
                    )
                })?;
                (id.to_string(), label.to_string(), p)
            }
            _ => return Err(format!("Line {}: write id | label | points.", n + 1)),
        };
        out.push(Choice { id, label, points });
    }
    Ok(out)
}

pub(super) fn list_text(items: &[String]) -> String {
    items.join(", ")
}

pub(super) fn parse_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The settings of a question's kind.
#[component]
pub(super) fn KindSettings(
    q: RwSignal<Question>,
    fid: String,
    kind: &'static str,
) -> impl IntoView {
    match kind {
        "single_choice" | "multiple_choice" => {
            let initial = q.with_untracked(|q| options_text(q.kind.options()));
            let text = RwSignal::new(initial);
            let problem = RwSignal::new(None::<String>);
            let correct = move || {
                q.with(|q| match &q.kind {
                    QuestionKind::SingleChoice { correct, .. } => correct.clone().unwrap_or_default(),
                    QuestionKind::MultipleChoice { correct, .. } => list_text(correct),
                    _ => String::new(),
                })
            };
            view! {
                <div class="field">
                    <label for=format!("{fid}-options")>"Options: one per line, as id | label | points (0–10; points count when there is no correct answer)"</label>
                    <textarea id=format!("{fid}-options") rows="4" class="mono" prop:value=move || text.get()
                        on:input:target=move |ev| {
                            let value = ev.target().value();
                            text.set(value.clone());
                            match parse_options(&value) {
                                Ok(options) => {
                                    problem.set(None);
                                    q.update(|q| match &mut q.kind {
                                        QuestionKind::SingleChoice { options: o, .. } | QuestionKind::MultipleChoice { options: o, .. } => *o = options,
                                        _ => {}
                                    });
                                }
                                Err(m) => problem.set(Some(m)),
                            }
                        }></textarea>
                    <p class="field-error" role="alert">{move || problem.get()}</p>
                </div>
                <div class="field">
                    <label for=format!("{fid}-correct")>"Correct answer (option ids, comma separated; empty for none)"</label>
                    <input id=format!("{fid}-correct") type="text" class="mono" prop:value=correct
                        on:change:target=move |ev| {
                            let ids = parse_list(&ev.target().value());
                            q.update(|q| match &mut q.kind {
                                QuestionKind::SingleChoice { correct, .. } => *correct = ids.into_iter().next(),
                                QuestionKind::MultipleChoice { correct, .. } => *correct = ids,
                                _ => {}
                            });
                        }/>
                </div>
            }
            .into_any()
        }
        "scale" => {
            let label = |get: fn(&QuestionKind) -> String, put: fn(&mut QuestionKind, String), id: String, text: &'static str| view! {
                <div class="field">
                    <label for=id.clone()>{text}</label>
                    <input id=id type="text" prop:value=move || q.with(|q| get(&q.kind))
                        on:input:target=move |ev| q.update(|q| put(&mut q.kind, ev.target().value()))/>
                </div>
            };
            view! {
                <div class="measure-grid">
                    {label(|k| match k { QuestionKind::Scale { low_label, .. } => low_label.clone(), _ => String::new() },
                           |k, v| if let QuestionKind::Scale { low_label, .. } = k { *low_label = v },
                           format!("{fid}-low"), "What 1 means")}
                    {label(|k| match k { QuestionKind::Scale { high_label, .. } => high_label.clone(), _ => String::new() },
                           |k, v| if let QuestionKind::Scale { high_label, .. } = k { *high_label = v },
                           format!("{fid}-high"), "What 5 means")}
                </div>
            }
            .into_any()
        }
        "yes_no" => view! {
            <div class="field">
                <label for=format!("{fid}-good")>"The good answer"</label>
                <select id=format!("{fid}-good") on:change:target=move |ev| {
                    let yes = ev.target().value() == "yes";
                    q.update(|q| if let QuestionKind::YesNo { yes_scores } = &mut q.kind { *yes_scores = yes });
                }>
                    <option value="yes" selected=move || q.with(|q| matches!(q.kind, QuestionKind::YesNo { yes_scores: true }))>"Yes"</option>
                    <option value="no" selected=move || q.with(|q| matches!(q.kind, QuestionKind::YesNo { yes_scores: false }))>"No"</option>
                </select>
            </div>
        }
        .into_any(),
        "number" => {
            let bound = move |id: String, text: &'static str, low: bool| view! {
                <div class="field">
                    <label for=id.clone()>{text}</label>
                    <input id=id type="number" step="1"
                        prop:value=move || q.with(|q| match q.kind { QuestionKind::Number { min, max, .. } => if low { min } else { max }, _ => 0 }.to_string())
                        on:input:target=move |ev| {
                            if let Ok(v) = ev.target().value().parse::<i64>() {
                                q.update(|q| if let QuestionKind::Number { min, max, .. } = &mut q.kind { if low { *min = v } else { *max = v } });
                            }
                        }/>
                </div>
            };
            view! {
                <div class="measure-grid">
                    {bound(format!("{fid}-min"), "Lowest", true)}
                    {bound(format!("{fid}-max"), "Highest", false)}
                    <div class="field">
                        <label for=format!("{fid}-unit")>"Unit"</label>
                        <input id=format!("{fid}-unit") type="text" maxlength="20"
                            prop:value=move || q.with(|q| match &q.kind { QuestionKind::Number { unit, .. } => unit.clone(), _ => String::new() })
                            on:input:target=move |ev| q.update(|q| if let QuestionKind::Number { unit, .. } = &mut q.kind { *unit = ev.target().value() })/>
                    </div>
                    <div class="field">
                        <label for=format!("{fid}-better")>"Scores full at"</label>
                        <select id=format!("{fid}-better") on:change:target=move |ev| {
                            let b = match ev.target().value().as_str() { "higher" => Better::Higher, "lower" => Better::Lower, _ => Better::Neither };
                            q.update(|q| if let QuestionKind::Number { better, .. } = &mut q.kind { *better = b });
                        }>
                            {[("neither", "Not scored", Better::Neither), ("higher", "The highest number", Better::Higher), ("lower", "The lowest number", Better::Lower)]
                                .into_iter().map(|(k, l, b)| view! {
                                    <option value=k selected=move || q.with(|q| matches!(&q.kind, QuestionKind::Number { better, .. } if *better == b))>{l}</option>
                                }).collect_view()}
                        </select>
                    </div>
                </div>
            }
            .into_any()
        }
        _ => view! { <p class="muted small">"Text answers are not scored."</p> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_round_trip_through_their_text() {
        let options = vec![
            Choice {
                id: "a".into(),
                label: "Always".into(),
                points: 10,
            },
            Choice {
                id: "b".into(),
                label: "Never".into(),
                points: 0,
            },
        ];
        assert_eq!(parse_options(&options_text(&options)).unwrap(), options);
        assert_eq!(parse_options("Only a label").unwrap()[0].id, "option_1");
        assert!(parse_options("a | A | ten").is_err());
        assert_eq!(parse_list(" a, ,b "), vec!["a", "b"]);
    }
}
