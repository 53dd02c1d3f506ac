//! Property tests: printing a parsed rule and parsing it again gives the same tree; arbitrary
//! text never panics the parser; arbitrary payloads never panic evaluation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iot_rules::ast::{
    BinaryOp, Expr, Foreach, FromClause, Literal, Projection, Select, SelectItem, Statement, Step,
    UnaryOp,
};
use iot_rules::{Dialect, Message, RuleOptions, UnixMillis};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_][a-zA-Z0-9_]{0,6}",
        1 => Just("value".to_owned()),
        1 => Just("select".to_owned()),
        1 => Just("my-key".to_owned()),
        1 => Just("a`b".to_owned()),
        1 => "\\PC{0,4}",
    ]
}

fn func_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("upper".to_owned()),
        Just("concat".to_owned()),
        Just("deviceName".to_owned()),
        Just("mod".to_owned()),
        Just("f_x".to_owned()),
    ]
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        (-1_000_000_000_000i64..1_000_000_000_000).prop_map(Literal::Int),
        (-1e12f64..1e12).prop_map(Literal::Decimal),
        any::<f64>()
            .prop_filter("finite", |d| d.is_finite())
            .prop_map(Literal::Decimal),
        "\\PC{0,8}".prop_map(Literal::String),
        "['\"\\\\\n\t\u{1}a]{0,6}".prop_map(Literal::String),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        name().prop_map(Step::Field),
        (0i64..100).prop_map(Step::Index)
    ]
}

fn binop() -> impl Strategy<Value = BinaryOp> {
    prop_oneof![
        Just(BinaryOp::Add),
        Just(BinaryOp::Sub),
        Just(BinaryOp::Mul),
        Just(BinaryOp::Div),
        Just(BinaryOp::Mod),
        Just(BinaryOp::IntDiv),
        Just(BinaryOp::Concat),
        Just(BinaryOp::Eq),
        Just(BinaryOp::Ne),
        Just(BinaryOp::Lt),
        Just(BinaryOp::Le),
        Just(BinaryOp::Gt),
        Just(BinaryOp::Ge),
        Just(BinaryOp::TopicMatch),
        Just(BinaryOp::And),
        Just(BinaryOp::Or),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        literal().prop_map(Expr::Literal),
        (name(), prop::collection::vec(step(), 0..3))
            .prop_map(|(root, steps)| Expr::Path { root, steps }),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        let b = || inner.clone().prop_map(Box::new);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Expr::Array),
            b().prop_filter_map("no negated numeric literal", |e| match *e {
                Expr::Literal(Literal::Int(_) | Literal::Decimal(_)) => None,
                _ => Some(Expr::Unary(UnaryOp::Neg, e)),
            }),
            b().prop_map(|e| Expr::Unary(UnaryOp::Not, e)),
            (binop(), b(), b()).prop_map(|(op, l, r)| Expr::Binary(op, l, r)),
            (b(), any::<bool>()).prop_map(|(expr, negated)| Expr::IsNull { expr, negated }),
            (
                b(),
                prop::collection::vec(inner.clone(), 0..3),
                any::<bool>()
            )
                .prop_map(|(expr, list, negated)| Expr::In {
                    expr,
                    list,
                    negated
                }),
            (b(), b(), any::<bool>()).prop_map(|(expr, pattern, negated)| Expr::Like {
                expr,
                pattern,
                negated
            }),
            (b(), b(), b(), any::<bool>()).prop_map(|(expr, low, high, negated)| Expr::Between {
                expr,
                low,
                high,
                negated
            }),
            (
                prop::option::of(b()),
                prop::collection::vec((inner.clone(), inner.clone()), 1..3),
                prop::option::of(b())
            )
                .prop_map(|(operand, whens, else_result)| Expr::Case {
                    operand,
                    whens,
                    else_result
                }),
            (
                func_name(),
                prop::collection::vec(prop_oneof![9 => inner.clone(), 1 => Just(Expr::Star)], 0..3)
            )
                .prop_map(|(name, args)| Expr::Call { name, args }),
            (
                b(),
                prop_oneof![Just("Int".to_owned()), Just("String".to_owned())]
            )
                .prop_map(|(expr, ty)| Expr::Cast { expr, ty }),
            (inner.clone(), b(), prop::option::of(inner.clone())).prop_map(|(v, from, w)| {
                Expr::Subquery(Box::new(Select {
                    projection: Projection::Value(v),
                    from: FromClause::Expr(from),
                    where_clause: w,
                }))
            }),
        ]
    })
}

fn item() -> impl Strategy<Value = SelectItem> {
    (expr(), prop::option::of(name())).prop_map(|(expr, alias)| SelectItem { expr, alias })
}

fn topics() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            Just("a/b".to_owned()),
            Just("/+/+/thing/event/property/post".to_owned()),
            Just("#".to_owned()),
            Just("it's/+".to_owned()),
        ],
        1..3,
    )
}

fn statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        (
            prop_oneof![
                (any::<bool>(), prop::collection::vec(item(), 1..4))
                    .prop_map(|(star, items)| Projection::Items { star, items }),
                Just(Projection::Items {
                    star: true,
                    items: vec![]
                }),
                expr().prop_map(Projection::Value),
            ],
            topics(),
            prop::option::of(expr())
        )
            .prop_map(|(projection, t, where_clause)| {
                Statement::Select(Select {
                    projection,
                    from: FromClause::Topics(t),
                    where_clause,
                })
            }),
        (
            expr(),
            prop::option::of(name()),
            prop::collection::vec(item(), 0..3),
            prop::option::of(expr()),
            topics(),
            prop::option::of(expr())
        )
            .prop_map(|(array, alias, items, incase, from, where_clause)| {
                Statement::Foreach(Foreach {
                    array,
                    alias,
                    items,
                    incase,
                    from,
                    where_clause,
                })
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn print_then_parse_gives_the_same_tree(stmt in statement()) {
        let text = stmt.to_string();
        let parsed = iot_rules::parse(&text, Dialect::Emqx)
            .unwrap_or_else(|e| panic!("{text}\n{e}"));
        prop_assert_eq!(&parsed, &stmt, "{}", text);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn compiled_trees_evaluate_without_panicking(stmt in statement(), payload in "\\PC{0,40}") {
        let text = stmt.to_string();
        for d in [Dialect::Alibaba, Dialect::Aws, Dialect::Emqx] {
            // Compilation may fail (unknown function, Star in arithmetic); it must not panic.
            if let Ok(rule) = RuleOptions::new(d).compile(&text) {
                let msg = Message::new("a/b", payload.as_bytes(), UnixMillis(0));
                let _ = rule.evaluate(&msg);
                let msg = Message::new("a/b", br#"{"a":{"b":[1,2.5,"x",null]},"value":true}"#, UnixMillis(0));
                let _ = rule.evaluate(&msg);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser(text in "\\PC{0,80}") {
        for d in [Dialect::Alibaba, Dialect::Aws, Dialect::Emqx] {
            let _ = iot_rules::parse(&text, d);
            let _ = RuleOptions::new(d).compile(&text);
        }
    }

    #[test]
    fn sql_like_text_never_panics_the_parser(
        parts in prop::collection::vec(
            prop_oneof![
                Just("SELECT "), Just("FROM "), Just("WHERE "), Just("'t/#' "), Just("\"a\" "),
                Just("CASE "), Just("WHEN "), Just("THEN "), Just("END "), Just("( "), Just(") "),
                Just("a.b "), Just("[0] "), Just("1 "), Just("2.5 "), Just("+ "), Just("AND "),
                Just("NOT "), Just("IN "), Just("BETWEEN "), Just(", "), Just("* "), Just("FOREACH "),
                Just("DO "), Just("INCASE "), Just("VALUE "), Just("cast("), Just("AS "), Just("IS NULL "),
            ],
            0..25,
        )
    ) {
        let text: String = parts.concat();
        for d in [Dialect::Aws, Dialect::Emqx] {
            if let Ok(rule) = RuleOptions::new(d).compile(&text) {
                let _ = rule.evaluate(&Message::new("t/1", br#"{"a":{"b":[1]}}"#, UnixMillis(0)));
            }
        }
    }

    #[test]
    fn arbitrary_payload_bytes_never_panic(payload in prop::collection::vec(any::<u8>(), 0..200)) {
        let rule = RuleOptions::new(Dialect::Aws)
            .compile("SELECT *, a, b.c[1], encode(*, 'base64') AS raw FROM '#' WHERE a > 1 OR a IS NULL")
            .unwrap();
        let _ = rule.evaluate(&Message::new("x", &payload, UnixMillis(0)));
    }

    #[test]
    fn lazy_reads_agree_with_a_full_parse(
        a in any::<i64>(), s in "\\PC{0,10}", d in -1e9f64..1e9, extra in "[0-9a-z]{0,5}"
    ) {
        let doc = serde_json::json!({"x": {"y": [extra, 1]}, "a": a, "s": s, "d": d});
        let payload = serde_json::to_vec(&doc).unwrap();
        let rule = RuleOptions::new(Dialect::Aws).compile("SELECT a, s, d FROM '#'").unwrap();
        let out = rule.evaluate(&Message::new("x", &payload, UnixMillis(0)));
        let full = RuleOptions::new(Dialect::Aws).compile("SELECT * FROM '#'").unwrap();
        let all = full.evaluate(&Message::new("x", &payload, UnixMillis(0)));
        for k in ["a", "s", "d"] {
            prop_assert_eq!(out[0].get(k), all[0].get(k));
        }
        prop_assert_eq!(out[0].get("d"), Some(&iot_rules::Value::Decimal(d)));
    }
}
