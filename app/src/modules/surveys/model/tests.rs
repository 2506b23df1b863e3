//! Validation and scoring: worked examples, and properties over random definitions and answers.
//! The browser and the server run these same functions, so what holds here holds on both sides;
//! the round trip through JSON is what the browser receives.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::answers::{Answer, Answers, FULL, check, kept, percent, score, shown};
use super::form::{
    Better, Choice, FormDefinition, MAX_POINTS, Question, QuestionKind, Section, ShowIf,
};

fn choice(id: &str, points: u32) -> Choice {
    Choice {
        id: id.into(),
        label: format!("Option {id}"),
        points,
    }
}

fn question(id: &str, kind: QuestionKind, weight: u32) -> Question {
    Question {
        id: id.into(),
        label: format!("Question {id}"),
        help: String::new(),
        kind,
        required: true,
        weight,
        show_if: None,
    }
}

fn form(questions: Vec<Question>) -> FormDefinition {
    FormDefinition {
        title: "Test".into(),
        intro: String::new(),
        sections: vec![Section {
            id: "main".into(),
            title: "Main".into(),
            help: String::new(),
            questions,
        }],
    }
}

fn answers(pairs: &[(&str, Answer)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn knowledge_questions_score_the_correct_answer_only() {
    let def = form(vec![
        question(
            "hv",
            QuestionKind::SingleChoice {
                options: vec![choice("orange", 0), choice("blue", 0)],
                correct: Some("orange".into()),
            },
            3,
        ),
        question(
            "adas",
            QuestionKind::MultipleChoice {
                options: vec![choice("screen", 0), choice("tyre", 0), choice("bumper", 0)],
                correct: vec!["screen".into(), "bumper".into()],
            },
            1,
        ),
    ]);
    def.check().unwrap();
    let right = answers(&[
        ("hv", Answer::Text("orange".into())),
        ("adas", Answer::Many(vec!["screen".into(), "bumper".into()])),
    ]);
    assert_eq!(score(&def, &right).unwrap().total, FULL);
    // One right and one wrong pick of two right answers: (1 - 1) / 2 = 0; the first is wrong too.
    let wrong = answers(&[
        ("hv", Answer::Text("blue".into())),
        ("adas", Answer::Many(vec!["screen".into(), "tyre".into()])),
    ]);
    assert_eq!(score(&def, &wrong).unwrap().total, 0);
    // Half the multiple choice (weight 1 of 4) and the single choice right: (3 + 0.5) / 4.
    let half = answers(&[
        ("hv", Answer::Text("orange".into())),
        ("adas", Answer::Many(vec!["screen".into()])),
    ]);
    let s = score(&def, &half).unwrap();
    assert_eq!(s.questions["adas"], 5_000);
    assert_eq!(s.total, 8_750);
    assert_eq!(percent(s.total), "87.50");
}

#[test]
fn graded_questions_score_along_their_range() {
    let def = form(vec![
        question(
            "scale",
            QuestionKind::Scale {
                low_label: String::new(),
                high_label: String::new(),
            },
            1,
        ),
        question("yes", QuestionKind::YesNo { yes_scores: false }, 1),
        question(
            "days",
            QuestionKind::Number {
                min: 0,
                max: 30,
                unit: "days".into(),
                better: Better::Lower,
            },
            1,
        ),
        question(
            "points",
            QuestionKind::SingleChoice {
                options: vec![choice("a", 2), choice("b", 8)],
                correct: None,
            },
            1,
        ),
        question("note", QuestionKind::LongText, 0),
    ]);
    def.check().unwrap();
    let a = answers(&[
        ("scale", Answer::Number(4)),
        ("yes", Answer::Flag(false)),
        ("days", Answer::Number(10)),
        ("points", Answer::Text("a".into())),
        ("note", Answer::Text("Fine".into())),
    ]);
    let s = score(&def, &a).unwrap();
    assert_eq!(s.questions["scale"], 7_500);
    assert_eq!(s.questions["yes"], FULL);
    assert_eq!(s.questions["days"], 6_667);
    assert_eq!(s.questions["points"], 2_500);
    assert!(!s.questions.contains_key("note"));
    // (7500 + 10000 + 6667 + 2500) / 4 = 6666.75, rounded half up.
    assert_eq!(s.total, 6_667);
    assert_eq!(percent(7), "0.07");
}

#[test]
fn bounds_shapes_and_required_answers_are_field_errors() {
    let mut def = form(vec![
        question(
            "days",
            QuestionKind::Number {
                min: 0,
                max: 30,
                unit: String::new(),
                better: Better::Lower,
            },
            1,
        ),
        question("name", QuestionKind::ShortText, 0),
    ]);
    def.sections[0].questions[1].required = false;
    let out_of_range = answers(&[("days", Answer::Number(31))]);
    let errors = check(&def, &out_of_range, false);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "days");
    assert!(errors[0].message.contains("0 to 30"));
    assert!(check(&def, &Answers::new(), false).is_empty());
    let missing = check(&def, &Answers::new(), true);
    assert_eq!(missing.len(), 1, "only the required question: {missing:?}");
    let stray = check(&def, &answers(&[("ghost", Answer::Flag(true))]), false);
    assert_eq!(stray[0].field, "ghost");
    let shape = check(
        &def,
        &answers(&[("days", Answer::Text("ten".into()))]),
        false,
    );
    assert_eq!(shape[0].field, "days");
}

#[test]
fn conditions_follow_their_chain_and_hidden_answers_are_dropped() {
    let mut b = question("b", QuestionKind::YesNo { yes_scores: true }, 1);
    b.show_if = Some(ShowIf {
        question: "a".into(),
        any_of: vec!["yes".into()],
    });
    let mut c = question(
        "c",
        QuestionKind::Scale {
            low_label: String::new(),
            high_label: String::new(),
        },
        1,
    );
    c.show_if = Some(ShowIf {
        question: "b".into(),
        any_of: vec!["yes".into()],
    });
    let def = form(vec![
        question("a", QuestionKind::YesNo { yes_scores: true }, 1),
        b,
        c,
    ]);
    def.check().unwrap();
    let given = answers(&[
        ("a", Answer::Flag(false)),
        ("b", Answer::Flag(true)),
        ("c", Answer::Number(5)),
    ]);
    // a = no hides b, and so c, though b's stale answer says yes.
    assert_eq!(
        shown(&def, &given).into_iter().collect::<Vec<_>>(),
        vec!["a"]
    );
    assert_eq!(kept(&def, &given).len(), 1);
    assert!(
        check(&def, &given, true).is_empty(),
        "hidden questions are never required"
    );
    assert_eq!(score(&def, &given).unwrap().total, 0);
}

#[test]
fn definitions_that_cannot_be_answered_are_refused() {
    let mut forward = question("a", QuestionKind::YesNo { yes_scores: true }, 1);
    forward.show_if = Some(ShowIf {
        question: "b".into(),
        any_of: vec!["yes".into()],
    });
    let def = form(vec![
        forward,
        question("b", QuestionKind::YesNo { yes_scores: true }, 1),
    ]);
    let errors = def.check().unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.field == "s0q0" && e.message.contains("earlier")),
        "{errors:?}"
    );

    let def = form(vec![
        question("a", QuestionKind::YesNo { yes_scores: true }, 1),
        question(
            "a",
            QuestionKind::SingleChoice {
                options: vec![],
                correct: None,
            },
            1,
        ),
    ]);
    let errors = def.check().unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.field == "s0q1" && e.message.contains("Another question"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.field == "s0q1" && e.message.contains("two options"))
    );

    let def = form(vec![question("a", QuestionKind::LongText, 0)]);
    assert!(def.check().unwrap_err().iter().any(|e| e.field == "title"));

    let def = form(vec![question(
        "a",
        QuestionKind::Number {
            min: 5,
            max: 5,
            unit: String::new(),
            better: Better::Higher,
        },
        1,
    )]);
    assert!(def.check().is_err());
}

// Random definitions that pass the check, and random answers of any shape.

fn kind_strategy() -> impl Strategy<Value = QuestionKind> {
    let options = (2usize..6).prop_flat_map(|n| {
        proptest::collection::vec(0..=MAX_POINTS, n).prop_map(|points| {
            points
                .into_iter()
                .enumerate()
                .map(|(i, p)| choice(&format!("o{i}"), p))
                .collect::<Vec<_>>()
        })
    });
    prop_oneof![
        (options.clone(), any::<bool>(), 0usize..6).prop_map(|(options, knowledge, pick)| {
            let correct = knowledge.then(|| options[pick % options.len()].id.clone());
            QuestionKind::SingleChoice { options, correct }
        }),
        (options, proptest::collection::vec(any::<bool>(), 6)).prop_map(|(options, marks)| {
            let correct = options
                .iter()
                .zip(marks)
                .filter(|(_, m)| *m)
                .map(|(o, _)| o.id.clone())
                .collect();
            QuestionKind::MultipleChoice { options, correct }
        }),
        Just(QuestionKind::Scale {
            low_label: String::new(),
            high_label: String::new()
        }),
        any::<bool>().prop_map(|yes_scores| QuestionKind::YesNo { yes_scores }),
        (-1_000i64..1_000, 1i64..1_000, 0u8..3).prop_map(|(min, span, b)| QuestionKind::Number {
            min,
            max: min + span,
            unit: String::new(),
            better: [Better::Neither, Better::Higher, Better::Lower][b as usize],
        }),
        Just(QuestionKind::ShortText),
        Just(QuestionKind::LongText),
    ]
}

fn definition_strategy() -> impl Strategy<Value = FormDefinition> {
    proptest::collection::vec(
        (
            kind_strategy(),
            0u32..5,
            any::<bool>(),
            any::<(usize, usize, bool)>(),
        ),
        1..12,
    )
    .prop_map(|specs| {
        let mut questions: Vec<Question> = Vec::new();
        for (i, (kind, weight, required, (target, value, conditional))) in
            specs.into_iter().enumerate()
        {
            let mut q = question(&format!("q{i}"), kind, weight);
            q.required = required;
            // A condition on an earlier question that can be one, naming one of its values.
            let candidates: Vec<&Question> = questions
                .iter()
                .filter(|e| e.kind.condition_values().is_some())
                .collect();
            if conditional && !candidates.is_empty() {
                let e = candidates[target % candidates.len()];
                let values = e.kind.condition_values().unwrap();
                q.show_if = Some(ShowIf {
                    question: e.id.clone(),
                    any_of: vec![values[value % values.len()].clone()],
                });
            }
            questions.push(q);
        }
        // Always at least one scored question, shown unconditionally.
        questions.insert(
            0,
            question(
                "base",
                QuestionKind::Scale {
                    low_label: String::new(),
                    high_label: String::new(),
                },
                1,
            ),
        );
        let mid = questions.len() / 2;
        let second = questions.split_off(mid.max(1));
        FormDefinition {
            title: "Random".into(),
            intro: String::new(),
            sections: [("one", questions), ("two", second)]
                .into_iter()
                .filter(|(_, qs)| !qs.is_empty())
                .map(|(id, questions)| Section {
                    id: id.into(),
                    title: id.into(),
                    help: String::new(),
                    questions,
                })
                .collect(),
        }
    })
}

fn answer_strategy() -> impl Strategy<Value = Answer> {
    prop_oneof![
        any::<bool>().prop_map(Answer::Flag),
        (-1_200i64..1_200).prop_map(Answer::Number),
        (0usize..7).prop_map(|i| Answer::Text(format!("o{i}"))),
        "[a-z ]{0,12}".prop_map(Answer::Text),
        proptest::collection::vec((0usize..7).prop_map(|i| format!("o{i}")), 0..4)
            .prop_map(Answer::Many),
    ]
}

fn answers_for(def: &FormDefinition) -> impl Strategy<Value = Answers> + use<> {
    let ids: Vec<String> = def.questions().map(|q| q.id.clone()).collect();
    proptest::collection::vec(proptest::option::of(answer_strategy()), ids.len()).prop_map(
        move |given| {
            ids.iter()
                .cloned()
                .zip(given)
                .filter_map(|(id, a)| a.map(|a| (id, a)))
                .collect::<BTreeMap<_, _>>()
        },
    )
}

fn case() -> impl Strategy<Value = (FormDefinition, Answers, Answer)> {
    definition_strategy().prop_flat_map(|def| {
        let answers = answers_for(&def);
        (Just(def), answers, answer_strategy())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_definitions_are_answerable(def in definition_strategy()) {
        prop_assert!(def.check().is_ok(), "{:?}", def.check());
    }

    #[test]
    fn scores_stay_in_range_and_hidden_questions_never_count((def, given, other) in case()) {
        let s = score(&def, &given).expect("the base question is always scored");
        prop_assert!(s.total <= FULL);
        prop_assert!(s.questions.values().all(|p| *p <= FULL));
        let visible = shown(&def, &given);
        prop_assert!(s.questions.keys().all(|k| visible.contains(k.as_str())));
        // Dropping hidden answers changes nothing, and so does changing a hidden answer.
        prop_assert_eq!(score(&def, &kept(&def, &given)), Some(s.clone()));
        for q in def.questions().filter(|q| !visible.contains(q.id.as_str())) {
            let mut changed = given.clone();
            changed.insert(q.id.clone(), other.clone());
            // Only if the change does not itself alter what is shown (a hidden question can be
            // the condition of another hidden one, never of a shown one).
            if shown(&def, &changed) == visible {
                prop_assert_eq!(score(&def, &changed), Some(s.clone()));
            }
        }
    }

    #[test]
    fn the_browser_and_the_server_agree((def, given, _) in case()) {
        // What the server stores is what the browser receives: JSON both ways.
        let def2: FormDefinition = serde_json::from_str(&serde_json::to_string(&def).unwrap()).unwrap();
        let given2: Answers = serde_json::from_str(&serde_json::to_string(&given).unwrap()).unwrap();
        prop_assert_eq!(&def2, &def);
        prop_assert_eq!(score(&def2, &given2), score(&def, &given));
        prop_assert_eq!(check(&def2, &given2, true), check(&def, &given, true));
    }

    #[test]
    fn a_complete_submission_answers_every_shown_required_question((def, given, _) in case()) {
        if check(&def, &given, true).is_empty() {
            let visible = shown(&def, &given);
            for q in def.questions().filter(|q| q.required && visible.contains(q.id.as_str())) {
                prop_assert!(given.get(&q.id).is_some_and(|a| !a.is_blank()));
            }
        }
    }
}
