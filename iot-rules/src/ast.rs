//! The parsed form of a rule, and its printing back to rule text.
//!
//! Printing is canonical: keywords in capitals, every binary operation in parentheses, strings in
//! single quotes, field names that are not plain words in backticks. Parsing printed text gives
//! the same tree back (a property test checks it).

use std::fmt::{self, Write};

/// One rule statement.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Statement {
    /// `SELECT … FROM … [WHERE …]`.
    Select(Select),
    /// EMQX `FOREACH … [AS name] [DO …] [INCASE …] FROM … [WHERE …]`.
    Foreach(Foreach),
}

impl Statement {
    /// The topic filters of the FROM clause.
    pub fn topics(&self) -> &[String] {
        match self {
            Statement::Select(s) => match &s.from {
                FromClause::Topics(t) => t,
                FromClause::Expr(_) => &[],
            },
            Statement::Foreach(f) => &f.from,
        }
    }
}

/// A SELECT statement (also the nested form, whose FROM is an expression).
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// What is selected.
    pub projection: Projection,
    /// Where messages come from.
    pub from: FromClause,
    /// The filter.
    pub where_clause: Option<Expr>,
}

/// The FROM clause.
#[derive(Debug, Clone, PartialEq)]
pub enum FromClause {
    /// Topic filters (top-level statements).
    Topics(Vec<String>),
    /// An array expression (nested SELECT, AWS SQL 2016-03-23).
    Expr(Box<Expr>),
}

/// The SELECT list.
#[derive(Debug, Clone, PartialEq)]
pub enum Projection {
    /// `*`, items, or both (`*, 15 AS speed`).
    Items {
        /// `*` was given (first).
        star: bool,
        /// The items after it.
        items: Vec<SelectItem>,
    },
    /// `SELECT VALUE expr`: the output is the value itself, not an object.
    Value(Expr),
}

/// `expr [AS alias]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    /// The expression.
    pub expr: Expr,
    /// The output name given with AS.
    pub alias: Option<String>,
}

/// EMQX FOREACH.
#[derive(Debug, Clone, PartialEq)]
pub struct Foreach {
    /// The array expression.
    pub array: Expr,
    /// The element name (`item` if not given).
    pub alias: Option<String>,
    /// The DO items (empty: each element is emitted as it is).
    pub items: Vec<SelectItem>,
    /// The INCASE filter on elements.
    pub incase: Option<Expr>,
    /// The FROM topics.
    pub from: Vec<String>,
    /// The WHERE filter on the message.
    pub where_clause: Option<Expr>,
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A decimal.
    Decimal(f64),
    /// A string.
    String(String),
}

/// One step of a field path after its first name.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `.name` (or `.'quoted name'`).
    Field(String),
    /// `[index]` (0-based).
    Index(i64),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `NOT x`.
    Not,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BinaryOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%` or `mod`.
    Mod,
    /// EMQX `div` (integer division).
    IntDiv,
    /// `||`.
    Concat,
    /// `=`.
    Eq,
    /// `<>` / `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// EMQX `=~`: the topic on the left matches the filter on the right.
    TopicMatch,
    /// `AND`.
    And,
    /// `OR`.
    Or,
}

impl BinaryOp {
    /// The operator as printed.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::IntDiv => "DIV",
            BinaryOp::Concat => "||",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::TopicMatch => "=~",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
        }
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Expr {
    /// A literal.
    Literal(Literal),
    /// A field path: a first name and the steps after it (`a.b[0].c`).
    Path {
        /// The first name.
        root: String,
        /// The steps after it.
        steps: Vec<Step>,
    },
    /// `*` as a function argument: the whole payload.
    Star,
    /// An array literal `[a, b]` (EMQX).
    Array(Vec<Expr>),
    /// A unary operation.
    Unary(UnaryOp, Box<Expr>),
    /// A binary operation.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `x IS [NOT] NULL`.
    IsNull {
        /// The operand.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `x [NOT] IN (a, b, …)`.
    In {
        /// The operand.
        expr: Box<Expr>,
        /// The list.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `x [NOT] LIKE pattern` (`%` any run, `_` one character).
    Like {
        /// The operand.
        expr: Box<Expr>,
        /// The pattern.
        pattern: Box<Expr>,
        /// `NOT LIKE`.
        negated: bool,
    },
    /// `x [NOT] BETWEEN low AND high` (inclusive).
    Between {
        /// The operand.
        expr: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    Case {
        /// The simple form's operand.
        operand: Option<Box<Expr>>,
        /// WHEN/THEN pairs.
        whens: Vec<(Expr, Expr)>,
        /// ELSE.
        else_result: Option<Box<Expr>>,
    },
    /// A function call (name as written).
    Call {
        /// The function name as written.
        name: String,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `cast(x AS Type)`.
    Cast {
        /// The operand.
        expr: Box<Expr>,
        /// The type name as written (`Int`, `Decimal`, `String`, `Boolean`).
        ty: String,
    },
    /// `(SELECT … FROM array_expr [WHERE …])` (AWS SQL 2016-03-23).
    Subquery(Box<Select>),
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Select(s) => write!(f, "{s}"),
            Statement::Foreach(fe) => {
                write!(f, "FOREACH {}", fe.array)?;
                if let Some(a) = &fe.alias {
                    write!(f, " AS {}", Name(a))?;
                }
                if !fe.items.is_empty() {
                    f.write_str(" DO ")?;
                    write_items(f, &fe.items)?;
                }
                if let Some(c) = &fe.incase {
                    write!(f, " INCASE {c}")?;
                }
                f.write_str(" FROM ")?;
                write_topics(f, &fe.from)?;
                if let Some(w) = &fe.where_clause {
                    write!(f, " WHERE {w}")?;
                }
                Ok(())
            }
        }
    }
}

fn write_items(f: &mut fmt::Formatter<'_>, items: &[SelectItem]) -> fmt::Result {
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{}", it.expr)?;
        if let Some(a) = &it.alias {
            write!(f, " AS {}", Name(a))?;
        }
    }
    Ok(())
}

fn write_topics(f: &mut fmt::Formatter<'_>, topics: &[String]) -> fmt::Result {
    for (i, t) in topics.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_quoted(f, t, '\'')?;
    }
    Ok(())
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str, q: char) -> fmt::Result {
    f.write_char(q)?;
    for c in s.chars() {
        match c {
            c if c == q => {
                f.write_char(q)?;
                f.write_char(q)?;
            }
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char(q)
}

impl fmt::Display for Select {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        match &self.projection {
            Projection::Value(e) => write!(f, "VALUE {e}")?,
            Projection::Items { star, items } => {
                if *star {
                    f.write_str("*")?;
                    if !items.is_empty() {
                        f.write_str(", ")?;
                    }
                }
                write_items(f, items)?;
            }
        }
        f.write_str(" FROM ")?;
        match &self.from {
            FromClause::Topics(t) => write_topics(f, t)?,
            FromClause::Expr(e) => write!(f, "{e}")?,
        }
        if let Some(w) = &self.where_clause {
            write!(f, " WHERE {w}")?;
        }
        Ok(())
    }
}

/// A name printed bare when it is a plain word that is not a keyword, in backticks otherwise.
struct Name<'a>(&'a str);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self
            .0
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
            && self
                .0
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
            && !crate::parser::is_keyword(self.0);
        if plain {
            f.write_str(self.0)
        } else {
            f.write_char('`')?;
            for c in self.0.chars() {
                if c == '`' {
                    f.write_str("``")?;
                } else {
                    f.write_char(c)?;
                }
            }
            f.write_char('`')
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(l) => match l {
                Literal::Null => f.write_str("NULL"),
                Literal::Bool(true) => f.write_str("TRUE"),
                Literal::Bool(false) => f.write_str("FALSE"),
                Literal::Int(i) if *i < 0 => write!(f, "({i})"),
                Literal::Int(i) => write!(f, "{i}"),
                Literal::Decimal(d) => {
                    let text = format!("{d:?}");
                    if *d < 0.0 || text.starts_with('-') {
                        write!(f, "({text})")
                    } else {
                        f.write_str(&text)
                    }
                }
                Literal::String(s) => write_quoted(f, s, '\''),
            },
            Expr::Path { root, steps } => {
                write!(f, "{}", Name(root))?;
                for s in steps {
                    match s {
                        Step::Field(n) => write!(f, ".{}", Name(n))?,
                        Step::Index(i) => write!(f, "[{i}]")?,
                    }
                }
                Ok(())
            }
            Expr::Star => f.write_str("*"),
            Expr::Array(items) => {
                f.write_char('[')?;
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_char(']')
            }
            Expr::Unary(UnaryOp::Neg, e) => write!(f, "(-{e})"),
            Expr::Unary(UnaryOp::Not, e) => write!(f, "(NOT {e})"),
            Expr::Binary(op, l, r) => write!(f, "({l} {} {r})", op.symbol()),
            Expr::IsNull { expr, negated } => {
                write!(f, "({expr} IS {}NULL)", if *negated { "NOT " } else { "" })
            }
            Expr::In {
                expr,
                list,
                negated,
            } => {
                write!(f, "({expr} {}IN (", if *negated { "NOT " } else { "" })?;
                for (i, e) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str("))")
            }
            Expr::Like {
                expr,
                pattern,
                negated,
            } => write!(
                f,
                "({expr} {}LIKE {pattern})",
                if *negated { "NOT " } else { "" }
            ),
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => write!(
                f,
                "({expr} {}BETWEEN {low} AND {high})",
                if *negated { "NOT " } else { "" }
            ),
            Expr::Case {
                operand,
                whens,
                else_result,
            } => {
                f.write_str("CASE")?;
                if let Some(o) = operand {
                    write!(f, " {o}")?;
                }
                for (w, t) in whens {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(e) = else_result {
                    write!(f, " ELSE {e}")?;
                }
                f.write_str(" END")
            }
            Expr::Call { name, args } => {
                write!(f, "{}(", Name(name))?;
                for (i, e) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_char(')')
            }
            Expr::Cast { expr, ty } => write!(f, "cast({expr} AS {})", Name(ty)),
            Expr::Subquery(s) => write!(f, "({s})"),
        }
    }
}
