//! Recursive-descent parser with Pratt-style operator precedence, producing [`crate::ast`].
//!
//! Precedence, loosest first: `OR`; `AND`; `NOT`; comparisons (`= <> != < <= > >= =~`, `IS`,
//! `IN`, `LIKE`, `BETWEEN`); `||`; `+ -`; `* / % DIV MOD`; unary `-`.

use crate::ast::{
    BinaryOp, Expr, Foreach, FromClause, Literal, Projection, Select, SelectItem, Statement, Step,
    UnaryOp,
};
use crate::dialect::DialectFlags;
use crate::error::{Location, ParseError, ParseErrorKind};
use crate::lexer::{Tok, Token, tokenize};

/// Longest rule text accepted, in bytes.
pub const MAX_RULE_LEN: usize = 64 * 1024;
/// Deepest expression nesting accepted.
pub const MAX_DEPTH: usize = 100;

const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "IN", "LIKE", "BETWEEN", "IS", "NULL",
    "TRUE", "FALSE", "CASE", "WHEN", "THEN", "ELSE", "END",
];
const CONTEXTUAL: &[&str] = &["VALUE", "FOREACH", "DO", "INCASE", "DIV", "MOD"];

/// `true` for words the printer must quote to keep them names (reserved and contextual keywords).
pub(crate) fn is_keyword(s: &str) -> bool {
    RESERVED
        .iter()
        .chain(CONTEXTUAL)
        .any(|k| k.eq_ignore_ascii_case(s))
}

fn is_reserved(s: &str) -> bool {
    RESERVED.iter().any(|k| k.eq_ignore_ascii_case(s))
}

/// Parses one statement in the given dialect.
///
/// # Errors
/// A [`ParseError`] with the line and column of the first problem and what was expected there.
pub(crate) fn parse(
    text: &str,
    dialect: &DialectFlags,
    dialect_name: &'static str,
) -> Result<Statement, ParseError> {
    if text.len() > MAX_RULE_LEN {
        return Err(ParseError {
            location: Location { line: 1, column: 1 },
            kind: ParseErrorKind::TooLong(MAX_RULE_LEN),
        });
    }
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        flags: dialect,
        dialect_name,
    };
    let stmt = p.statement()?;
    p.expect_eof()?;
    Ok(stmt)
}

struct Parser<'d> {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    flags: &'d DialectFlags,
    dialect_name: &'static str,
}

type PResult<T> = Result<T, ParseError>;

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        self.tokens.get(self.pos + n).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn loc(&self) -> Location {
        self.tokens
            .get(self.pos)
            .or(self.tokens.last())
            .map(|t| t.at)
            .unwrap_or_default()
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn err<T>(&self, expected: &'static str) -> PResult<T> {
        Err(ParseError {
            location: self.loc(),
            kind: ParseErrorKind::Unexpected {
                expected,
                found: self.peek().describe(),
            },
        })
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        matches!(self.peek_at(n), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str, expected: &'static str) -> PResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.err(expected)
        }
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == t {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok, expected: &'static str) -> PResult<()> {
        if self.eat(t) {
            Ok(())
        } else {
            self.err(expected)
        }
    }

    fn expect_eof(&self) -> PResult<()> {
        if matches!(self.peek(), Tok::Eof) {
            Ok(())
        } else {
            self.err("end of the statement")
        }
    }

    fn statement(&mut self) -> PResult<Statement> {
        if self.eat_kw("SELECT") {
            let projection = self.projection()?;
            self.expect_kw("FROM", "`,`, `AS` or `FROM`")?;
            let from = FromClause::Topics(self.topics()?);
            let where_clause = self.opt_where()?;
            Ok(Statement::Select(Select {
                projection,
                from,
                where_clause,
            }))
        } else if self.is_kw("FOREACH") {
            if !self.flags.foreach {
                return Err(ParseError {
                    location: self.loc(),
                    kind: ParseErrorKind::NotInDialect("FOREACH", self.dialect_name),
                });
            }
            self.pos += 1;
            let array = self.expr(0)?;
            let alias = if self.eat_kw("AS") {
                Some(self.name("a name after `AS`")?)
            } else {
                None
            };
            let items = if self.eat_kw("DO") {
                self.items()?
            } else {
                Vec::new()
            };
            let incase = if self.eat_kw("INCASE") {
                Some(self.expr(0)?)
            } else {
                None
            };
            self.expect_kw("FROM", "`AS`, `DO`, `INCASE` or `FROM`")?;
            let from = self.topics()?;
            let where_clause = self.opt_where()?;
            Ok(Statement::Foreach(Foreach {
                array,
                alias,
                items,
                incase,
                from,
                where_clause,
            }))
        } else {
            self.err("`SELECT` or `FOREACH`")
        }
    }

    fn opt_where(&mut self) -> PResult<Option<Expr>> {
        if self.eat_kw("WHERE") {
            Ok(Some(self.expr(0)?))
        } else {
            Ok(None)
        }
    }

    fn topics(&mut self) -> PResult<Vec<String>> {
        let mut out = Vec::new();
        loop {
            let at = self.loc();
            match self.next() {
                Tok::Str(s, q) => {
                    let allowed = if q == '\'' {
                        self.flags.single_quoted_topics
                    } else {
                        self.flags.double_quoted_topics
                    };
                    if !allowed {
                        return Err(ParseError {
                            location: at,
                            kind: ParseErrorKind::TopicQuote {
                                dialect: self.dialect_name,
                                quote: if q == '\'' {
                                    "single quotes"
                                } else {
                                    "double quotes"
                                },
                            },
                        });
                    }
                    if matches!(iot_protocol::topic::parse_shared(&s), Ok(Some(_))) {
                        return Err(ParseError {
                            location: at,
                            kind: ParseErrorKind::InvalidTopicFilter {
                                filter: s,
                                reason: "a shared subscription cannot be a rule's source".into(),
                            },
                        });
                    }
                    if let Err(e) = iot_protocol::topic::validate_topic_filter(&s) {
                        return Err(ParseError {
                            location: at,
                            kind: ParseErrorKind::InvalidTopicFilter {
                                filter: s,
                                reason: e.to_string(),
                            },
                        });
                    }
                    out.push(s);
                }
                _ => {
                    self.pos -= 1;
                    return self.err("a quoted topic filter");
                }
            }
            if !self.eat(&Tok::Comma) {
                return Ok(out);
            }
        }
    }

    fn name(&mut self, expected: &'static str) -> PResult<String> {
        match self.peek().clone() {
            Tok::Ident(s) if !is_reserved(&s) => {
                self.pos += 1;
                Ok(s)
            }
            Tok::QuotedIdent(s) | Tok::Str(s, _) => {
                self.pos += 1;
                Ok(s)
            }
            _ => self.err(expected),
        }
    }

    fn projection(&mut self) -> PResult<Projection> {
        if self.is_kw("VALUE") && starts_expr(self.peek_at(1)) && !self.is_kw_at(1, "FROM") {
            self.pos += 1;
            return Ok(Projection::Value(self.expr(0)?));
        }
        let star = self.eat(&Tok::Star);
        let items = if star {
            if self.eat(&Tok::Comma) {
                self.items()?
            } else {
                Vec::new()
            }
        } else {
            self.items()?
        };
        Ok(Projection::Items { star, items })
    }

    fn items(&mut self) -> PResult<Vec<SelectItem>> {
        let mut items = Vec::new();
        loop {
            let expr = self.expr(0)?;
            let alias = if self.eat_kw("AS") {
                Some(self.name("a name after `AS`")?)
            } else {
                None
            };
            items.push(SelectItem { expr, alias });
            if !self.eat(&Tok::Comma) {
                return Ok(items);
            }
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(ParseError {
                location: self.loc(),
                kind: ParseErrorKind::TooDeep(MAX_DEPTH),
            })
        } else {
            Ok(())
        }
    }

    fn expr(&mut self, min_bp: u8) -> PResult<Expr> {
        self.enter()?;
        let r = self.expr_inner(min_bp);
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, min_bp: u8) -> PResult<Expr> {
        let mut lhs = self.prefix()?;
        // Each operator applied in this loop nests the tree one level deeper (`1+1+1…` is
        // left-deep): counted against the same limit as parentheses.
        let mut chain = 0;
        loop {
            if self.depth + chain > MAX_DEPTH {
                return Err(ParseError {
                    location: self.loc(),
                    kind: ParseErrorKind::TooDeep(MAX_DEPTH),
                });
            }
            chain += 1;
            // Comparison-level keyword operators, possibly negated.
            let negated_kw = self.is_kw("NOT")
                && (self.is_kw_at(1, "IN")
                    || self.is_kw_at(1, "LIKE")
                    || self.is_kw_at(1, "BETWEEN"));
            if (negated_kw
                || self.is_kw("IS")
                || self.is_kw("IN")
                || self.is_kw("LIKE")
                || self.is_kw("BETWEEN"))
                && 4 >= min_bp
            {
                let negated = self.eat_kw("NOT");
                if self.eat_kw("IS") {
                    let negated = self.eat_kw("NOT");
                    self.expect_kw("NULL", "`NULL` or `NOT NULL` after `IS`")?;
                    lhs = Expr::IsNull {
                        expr: Box::new(lhs),
                        negated,
                    };
                } else if self.eat_kw("IN") {
                    self.expect(&Tok::LParen, "`(` after `IN`")?;
                    let mut list = Vec::new();
                    if !self.eat(&Tok::RParen) {
                        loop {
                            list.push(self.expr(0)?);
                            if self.eat(&Tok::RParen) {
                                break;
                            }
                            self.expect(&Tok::Comma, "`,` or `)` in the IN list")?;
                        }
                    }
                    lhs = Expr::In {
                        expr: Box::new(lhs),
                        list,
                        negated,
                    };
                } else if self.eat_kw("LIKE") {
                    let pattern = self.expr(5)?;
                    lhs = Expr::Like {
                        expr: Box::new(lhs),
                        pattern: Box::new(pattern),
                        negated,
                    };
                } else {
                    self.expect_kw("BETWEEN", "`IN`, `LIKE` or `BETWEEN` after `NOT`")?;
                    let low = self.expr(5)?;
                    self.expect_kw("AND", "`AND` in BETWEEN")?;
                    let high = self.expr(5)?;
                    lhs = Expr::Between {
                        expr: Box::new(lhs),
                        low: Box::new(low),
                        high: Box::new(high),
                        negated,
                    };
                }
                continue;
            }
            let Some((op, bp)) = self.infix_op() else {
                break;
            };
            if bp < min_bp {
                break;
            }
            self.pos += 1;
            let rhs = self.expr(bp + 1)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn infix_op(&self) -> Option<(BinaryOp, u8)> {
        Some(match self.peek() {
            Tok::Ident(s) if s.eq_ignore_ascii_case("OR") => (BinaryOp::Or, 1),
            Tok::Ident(s) if s.eq_ignore_ascii_case("AND") => (BinaryOp::And, 2),
            Tok::Eq => (BinaryOp::Eq, 4),
            Tok::Ne(_) => (BinaryOp::Ne, 4),
            Tok::Lt => (BinaryOp::Lt, 4),
            Tok::Le => (BinaryOp::Le, 4),
            Tok::Gt => (BinaryOp::Gt, 4),
            Tok::Ge => (BinaryOp::Ge, 4),
            Tok::Match => (BinaryOp::TopicMatch, 4),
            Tok::Concat => (BinaryOp::Concat, 5),
            Tok::Plus => (BinaryOp::Add, 6),
            Tok::Minus => (BinaryOp::Sub, 6),
            Tok::Star => (BinaryOp::Mul, 7),
            Tok::Slash => (BinaryOp::Div, 7),
            Tok::Percent => (BinaryOp::Mod, 7),
            Tok::Ident(s) if s.eq_ignore_ascii_case("MOD") => (BinaryOp::Mod, 7),
            Tok::Ident(s) if s.eq_ignore_ascii_case("DIV") => (BinaryOp::IntDiv, 7),
            _ => return None,
        })
    }

    fn prefix(&mut self) -> PResult<Expr> {
        match self.peek().clone() {
            Tok::Int(i) => {
                self.pos += 1;
                Ok(Expr::Literal(Literal::Int(i)))
            }
            Tok::Dec(d) => {
                self.pos += 1;
                Ok(Expr::Literal(Literal::Decimal(d)))
            }
            Tok::Str(s, _) => {
                self.pos += 1;
                Ok(Expr::Literal(Literal::String(s)))
            }
            Tok::Minus => {
                self.pos += 1;
                let e = self.expr(8)?;
                Ok(match e {
                    Expr::Literal(Literal::Int(i)) if i.checked_neg().is_some() => {
                        Expr::Literal(Literal::Int(-i))
                    }
                    Expr::Literal(Literal::Decimal(d)) => Expr::Literal(Literal::Decimal(-d)),
                    e => Expr::Unary(UnaryOp::Neg, Box::new(e)),
                })
            }
            Tok::LParen => {
                self.pos += 1;
                if self.is_kw("SELECT") {
                    self.pos += 1;
                    let projection = self.projection()?;
                    self.expect_kw("FROM", "`,`, `AS` or `FROM`")?;
                    let from = FromClause::Expr(Box::new(self.expr(0)?));
                    let where_clause = self.opt_where()?;
                    self.expect(&Tok::RParen, "`)` closing the nested SELECT")?;
                    return Ok(Expr::Subquery(Box::new(Select {
                        projection,
                        from,
                        where_clause,
                    })));
                }
                let e = self.expr(0)?;
                self.expect(&Tok::RParen, "`)`")?;
                Ok(e)
            }
            Tok::LBracket => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(&Tok::RBracket) {
                    loop {
                        items.push(self.expr(0)?);
                        if self.eat(&Tok::RBracket) {
                            break;
                        }
                        self.expect(&Tok::Comma, "`,` or `]` in the array")?;
                    }
                }
                Ok(Expr::Array(items))
            }
            Tok::QuotedIdent(s) => {
                self.pos += 1;
                if matches!(self.peek(), Tok::LParen) {
                    return self.call(s);
                }
                self.path(s)
            }
            Tok::Ident(s) => {
                if s.eq_ignore_ascii_case("NULL") {
                    self.pos += 1;
                    return Ok(Expr::Literal(Literal::Null));
                }
                if s.eq_ignore_ascii_case("TRUE") {
                    self.pos += 1;
                    return Ok(Expr::Literal(Literal::Bool(true)));
                }
                if s.eq_ignore_ascii_case("FALSE") {
                    self.pos += 1;
                    return Ok(Expr::Literal(Literal::Bool(false)));
                }
                if s.eq_ignore_ascii_case("NOT") {
                    self.pos += 1;
                    let e = self.expr(3)?;
                    return Ok(Expr::Unary(UnaryOp::Not, Box::new(e)));
                }
                if s.eq_ignore_ascii_case("CASE") {
                    self.pos += 1;
                    return self.case();
                }
                if is_reserved(&s) {
                    return self.err("an expression");
                }
                self.pos += 1;
                if matches!(self.peek(), Tok::LParen) {
                    return self.call(s);
                }
                self.path(s)
            }
            _ => self.err("an expression"),
        }
    }

    fn call(&mut self, name: String) -> PResult<Expr> {
        self.pos += 1; // `(`
        if name.eq_ignore_ascii_case("cast") {
            let expr = self.expr(0)?;
            self.expect_kw("AS", "`AS` in cast(value AS type)")?;
            let ty = self.name("a type name (Int, Decimal, String, Boolean)")?;
            self.expect(&Tok::RParen, "`)` closing cast")?;
            return Ok(Expr::Cast {
                expr: Box::new(expr),
                ty,
            });
        }
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                if matches!(self.peek(), Tok::Star)
                    && matches!(self.peek_at(1), Tok::Comma | Tok::RParen)
                {
                    self.pos += 1;
                    args.push(Expr::Star);
                } else {
                    args.push(self.expr(0)?);
                }
                if self.eat(&Tok::RParen) {
                    break;
                }
                self.expect(&Tok::Comma, "`,` or `)` in the argument list")?;
            }
        }
        Ok(Expr::Call { name, args })
    }

    fn path(&mut self, root: String) -> PResult<Expr> {
        let mut steps = Vec::new();
        loop {
            if self.eat(&Tok::Dot) {
                match self.next() {
                    Tok::Ident(s) | Tok::QuotedIdent(s) | Tok::Str(s, _) => {
                        steps.push(Step::Field(s))
                    }
                    _ => {
                        self.pos -= 1;
                        return self.err("a field name after `.`");
                    }
                }
            } else if self.eat(&Tok::LBracket) {
                match self.next() {
                    Tok::Int(i) => steps.push(Step::Index(i)),
                    Tok::Str(s, _) => steps.push(Step::Field(s)),
                    _ => {
                        self.pos -= 1;
                        return self.err("an array index or a quoted key in `[ ]`");
                    }
                }
                self.expect(&Tok::RBracket, "`]`")?;
            } else {
                return Ok(Expr::Path { root, steps });
            }
        }
    }

    fn case(&mut self) -> PResult<Expr> {
        let operand = if self.is_kw("WHEN") {
            None
        } else {
            Some(Box::new(self.expr(0)?))
        };
        let mut whens = Vec::new();
        while self.eat_kw("WHEN") {
            let w = self.expr(0)?;
            self.expect_kw("THEN", "`THEN`")?;
            let t = self.expr(0)?;
            whens.push((w, t));
        }
        if whens.is_empty() {
            return self.err("`WHEN`");
        }
        let else_result = if self.eat_kw("ELSE") {
            Some(Box::new(self.expr(0)?))
        } else {
            None
        };
        self.expect_kw("END", "`WHEN`, `ELSE` or `END`")?;
        Ok(Expr::Case {
            operand,
            whens,
            else_result,
        })
    }
}

fn starts_expr(t: &Tok) -> bool {
    match t {
        Tok::Ident(s) => {
            !is_reserved(s)
                || ["NULL", "TRUE", "FALSE", "NOT", "CASE"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(s))
        }
        Tok::QuotedIdent(_)
        | Tok::Str(..)
        | Tok::Int(_)
        | Tok::Dec(_)
        | Tok::LParen
        | Tok::LBracket
        | Tok::Minus => true,
        _ => false,
    }
}
