//! Tokens of the rule language, each with the location it starts at.

use crate::error::{Location, ParseError, ParseErrorKind};

/// The kinds of token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An unquoted name or keyword (keywords are recognised by the parser, case-insensitively).
    Ident(String),
    /// A name in backticks.
    QuotedIdent(String),
    /// Text in single (`'`) or double (`"`) quotes; the char is the quote used.
    Str(String, char),
    /// An integer literal.
    Int(i64),
    /// A decimal literal.
    Dec(f64),
    Comma,
    Dot,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Star,
    Plus,
    Minus,
    Slash,
    Percent,
    Eq,
    /// `<>` or `!=` (the bool says `!=` was written).
    Ne(bool),
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~` (EMQX: topic matches filter).
    Match,
    /// `||` (string concatenation).
    Concat,
    Eof,
}

impl Tok {
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::QuotedIdent(s) => format!("`{s}`"),
            Tok::Str(s, q) => format!("{q}{s}{q}"),
            Tok::Int(i) => i.to_string(),
            Tok::Dec(d) => d.to_string(),
            Tok::Comma => "`,`".into(),
            Tok::Dot => "`.`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Star => "`*`".into(),
            Tok::Plus => "`+`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Slash => "`/`".into(),
            Tok::Percent => "`%`".into(),
            Tok::Eq => "`=`".into(),
            Tok::Ne(true) => "`!=`".into(),
            Tok::Ne(false) => "`<>`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::Match => "`=~`".into(),
            Tok::Concat => "`||`".into(),
            Tok::Eof => "end of input".into(),
        }
    }
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) at: Location,
}

/// Splits rule text into tokens. Comments: `-- to end of line` and `/* ... */`.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, ParseError> {
    let mut lx = Lexer {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        col: 1,
    };
    let mut out = Vec::new();
    loop {
        lx.skip_trivia()?;
        let at = lx.loc();
        let Some(c) = lx.peek(0) else {
            out.push(Token { tok: Tok::Eof, at });
            return Ok(out);
        };
        let tok = match c {
            ',' => lx.one(Tok::Comma),
            '.' if !lx.peek(1).is_some_and(|d| d.is_ascii_digit()) => lx.one(Tok::Dot),
            '(' => lx.one(Tok::LParen),
            ')' => lx.one(Tok::RParen),
            '[' => lx.one(Tok::LBracket),
            ']' => lx.one(Tok::RBracket),
            '*' => lx.one(Tok::Star),
            '+' => lx.one(Tok::Plus),
            '-' => lx.one(Tok::Minus),
            '/' => lx.one(Tok::Slash),
            '%' => lx.one(Tok::Percent),
            '=' if lx.peek(1) == Some('~') => lx.two(Tok::Match),
            '=' if lx.peek(1) == Some('=') => lx.two(Tok::Eq),
            '=' => lx.one(Tok::Eq),
            '!' if lx.peek(1) == Some('=') => lx.two(Tok::Ne(true)),
            '<' if lx.peek(1) == Some('>') => lx.two(Tok::Ne(false)),
            '<' if lx.peek(1) == Some('=') => lx.two(Tok::Le),
            '<' => lx.one(Tok::Lt),
            '>' if lx.peek(1) == Some('=') => lx.two(Tok::Ge),
            '>' => lx.one(Tok::Gt),
            '|' if lx.peek(1) == Some('|') => lx.two(Tok::Concat),
            '\'' | '"' => lx.string(c)?,
            '`' => lx.quoted_ident()?,
            c if c.is_ascii_digit() || c == '.' => lx.number()?,
            c if c.is_alphabetic() || c == '_' || c == '$' => lx.ident(),
            c => {
                return Err(ParseError {
                    location: at,
                    kind: ParseErrorKind::UnexpectedChar(c),
                });
            }
        };
        out.push(Token { tok, at });
    }
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: u32,
    col: u32,
}

impl Lexer {
    fn loc(&self) -> Location {
        Location {
            line: self.line,
            column: self.col,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.col = 1;
        } else {
            self.col = self.col.saturating_add(1);
        }
        Some(c)
    }

    fn one(&mut self, t: Tok) -> Tok {
        self.bump();
        t
    }

    fn two(&mut self, t: Tok) -> Tok {
        self.bump();
        self.bump();
        t
    }

    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek(0) {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('-') if self.peek(1) == Some('-') => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                Some('/') if self.peek(1) == Some('*') => {
                    let at = self.loc();
                    self.bump();
                    self.bump();
                    loop {
                        match self.bump() {
                            Some('*') if self.peek(0) == Some('/') => {
                                self.bump();
                                break;
                            }
                            Some(_) => {}
                            None => {
                                return Err(ParseError {
                                    location: at,
                                    kind: ParseErrorKind::UnterminatedComment,
                                });
                            }
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Quoted text. The quote is escaped by doubling it (`'it''s'`) or with a backslash;
    /// backslash escapes `\n \t \r \\ \' \" \/` and `\uXXXX` are understood, and any other
    /// backslash is kept as written.
    fn string(&mut self, quote: char) -> Result<Tok, ParseError> {
        let start = self.loc();
        self.bump();
        let mut s = String::new();
        loop {
            let here = self.loc();
            match self.bump() {
                None => {
                    return Err(ParseError {
                        location: start,
                        kind: ParseErrorKind::UnterminatedString,
                    });
                }
                Some(c) if c == quote => {
                    if self.peek(0) == Some(quote) {
                        self.bump();
                        s.push(quote);
                    } else {
                        return Ok(Tok::Str(s, quote));
                    }
                }
                Some('\\') => {
                    let e = self.bump().ok_or(ParseError {
                        location: start,
                        kind: ParseErrorKind::UnterminatedString,
                    })?;
                    match e {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        '\\' | '\'' | '"' | '/' => s.push(e),
                        'u' => {
                            let mut code = 0u32;
                            for _ in 0..4 {
                                let d =
                                    self.bump().and_then(|c| c.to_digit(16)).ok_or(ParseError {
                                        location: here,
                                        kind: ParseErrorKind::InvalidEscape('u'),
                                    })?;
                                code = code * 16 + d;
                            }
                            s.push(char::from_u32(code).ok_or(ParseError {
                                location: here,
                                kind: ParseErrorKind::InvalidEscape('u'),
                            })?);
                        }
                        // Any other backslash stays as written, so regex and LIKE
                        // patterns such as '\d+' or 'a\.c' need no doubling.
                        other => {
                            s.push('\\');
                            s.push(other);
                        }
                    }
                }
                Some(c) => s.push(c),
            }
        }
    }

    fn quoted_ident(&mut self) -> Result<Tok, ParseError> {
        let start = self.loc();
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(ParseError {
                        location: start,
                        kind: ParseErrorKind::UnterminatedString,
                    });
                }
                Some('`') if self.peek(0) == Some('`') => {
                    self.bump();
                    s.push('`');
                }
                Some('`') => return Ok(Tok::QuotedIdent(s)),
                Some(c) => s.push(c),
            }
        }
    }

    fn number(&mut self) -> Result<Tok, ParseError> {
        let start = self.loc();
        let mut text = String::new();
        let mut decimal = false;
        while let Some(c) = self.peek(0) {
            if c.is_ascii_digit() {
                text.push(c);
            } else if c == '.' && !decimal && self.peek(1).is_some_and(|d| d.is_ascii_digit()) {
                decimal = true;
                text.push(c);
            } else if (c == 'e' || c == 'E')
                && (self.peek(1).is_some_and(|d| d.is_ascii_digit())
                    || (matches!(self.peek(1), Some('+' | '-'))
                        && self.peek(2).is_some_and(|d| d.is_ascii_digit())))
            {
                decimal = true;
                text.push(c);
                self.bump();
                if let Some(sign) = self.peek(0).filter(|c| matches!(c, '+' | '-')) {
                    text.push(sign);
                    self.bump();
                }
                while let Some(d) = self.peek(0).filter(char::is_ascii_digit) {
                    text.push(d);
                    self.bump();
                }
                break;
            } else {
                break;
            }
            self.bump();
        }
        if self
            .peek(0)
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            let c = self.peek(0).unwrap_or_default();
            text.push(c);
            return Err(ParseError {
                location: start,
                kind: ParseErrorKind::InvalidNumber(text),
            });
        }
        let bad = || ParseError {
            location: start,
            kind: ParseErrorKind::InvalidNumber(text.clone()),
        };
        if decimal {
            let d: f64 = text.parse().map_err(|_| bad())?;
            if !d.is_finite() {
                return Err(bad());
            }
            Ok(Tok::Dec(d))
        } else {
            text.parse::<i64>().map(Tok::Int).map_err(|_| bad())
        }
    }

    fn ident(&mut self) -> Tok {
        let mut s = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_alphanumeric() || c == '_' || c == '$' {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        Tok::Ident(s)
    }
}
